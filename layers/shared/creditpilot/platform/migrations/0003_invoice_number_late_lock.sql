-- The invoice row and its lines are written before the number is taken, so the invoice_sequences row
-- stays locked only for the final UPDATE and the COMMIT. Until then the row carries a PENDING: marker
-- that no committed row can keep (the UPDATE that assigns the number runs in the same transaction).
ALTER TABLE invoices ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE invoices ADD CONSTRAINT invoices_number_shape CHECK (
    (seq IS NOT NULL AND number ~ '^INV-[0-9]{4}-[0-9]{4,}$')
    OR (seq IS NULL AND number LIKE 'PENDING:%'));
