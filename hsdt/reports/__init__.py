"""Reports: who sees what (scope), the data gathered once, and its renderings (text, Excel, chart)."""
