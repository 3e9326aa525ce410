"""Reports rendered for people: the run report as a PDF an accountant can file (Qt's QtGui)."""
