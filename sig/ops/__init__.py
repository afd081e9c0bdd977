"""Operations: health, logs, backups and security hygiene."""
