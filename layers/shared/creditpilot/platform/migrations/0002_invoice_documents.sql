-- What an issued invoice printed (draft + company profile snapshot), so its PDF can be regenerated
-- byte-for-byte in content when S3 lost it or the upload after commit failed.
ALTER TABLE invoices
    ADD COLUMN document jsonb,
    ADD COLUMN pdf_status text NOT NULL DEFAULT 'pending' CHECK (pdf_status IN ('pending', 'stored')),
    ADD COLUMN pdf_bytes integer;
