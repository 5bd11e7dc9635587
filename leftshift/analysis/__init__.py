"""Analysis layer: experiments, paired comparison, backfill, money, economics, reports."""
