/* Keeps the library non-empty while the module is written. */
int hl_pattern_anchor_;
int hl_pattern_anchor_ = 0;
