int hl_store_anchor_;
int hl_store_anchor_ = 0;
