int hl_ledger_anchor_;
int hl_ledger_anchor_ = 0;
