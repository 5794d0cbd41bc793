"""What pages share: static assets, error pages, form pieces, pagination, the domain's labels and formatting."""
