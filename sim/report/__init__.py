"""Reports: the one money and number formatter, self-contained HTML, writers of result folders."""
