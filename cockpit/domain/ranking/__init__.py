"""考核排名 (#21): what can be scored, the schemes that weigh it, and the monthly table built from them.

* catalogue: the indicators the cockpit can compute from its monthly figures;
* schemes: an evaluation scheme (a TOML file) parsed and checked, with file/line/field in every error;
* scoring: the arithmetic (shrinkage, Wilson bounds, scoring rules, grades, funnel limits);
* table: a month's ranking per peer group, its change, red and black lists, funnel and history.
"""
