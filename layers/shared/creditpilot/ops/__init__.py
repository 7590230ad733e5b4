"""Operations: health, stats, processing logs (and later backup/restore/smoke)."""
