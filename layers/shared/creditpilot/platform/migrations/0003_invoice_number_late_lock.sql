-- Issuing writes the lines (and links card transactions) before the invoice row, so the row that
-- takes the number — locking the year's invoice_sequences row until COMMIT — is the last statement.
-- The foreign keys pointing at invoices are checked at COMMIT for that.
ALTER TABLE invoice_items
    DROP CONSTRAINT invoice_items_invoice_id_fkey,
    ADD CONSTRAINT invoice_items_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE supplier_transactions
    DROP CONSTRAINT supplier_transactions_invoice_fk,
    ADD CONSTRAINT supplier_transactions_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoices (id)
        DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE invoices ADD CONSTRAINT invoices_number_shape CHECK (number ~ '^INV-[0-9]{4}-[0-9]{4,}$');
