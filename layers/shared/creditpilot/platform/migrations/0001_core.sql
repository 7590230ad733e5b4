-- Core tables of DESIGN.md §5. Money is NUMERIC(14,2); personal data columns hold Fernet tokens
-- (suffix _enc) with a blind index (suffix _bidx) where equality look-ups are needed.

CREATE TABLE suppliers (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    registration_no text,
    address       text,
    email_enc     text,
    phone_enc     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX suppliers_name_key ON suppliers (lower(name));

CREATE TABLE cards (
    id             bigserial PRIMARY KEY,
    bank           text NOT NULL,
    holder_name    text NOT NULL,
    last4          char(4) NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    credit_limit   numeric(14,2) NOT NULL CHECK (credit_limit >= 0),
    statement_day  smallint NOT NULL CHECK (statement_day BETWEEN 1 AND 31),
    due_day        smallint NOT NULL CHECK (due_day BETWEEN 1 AND 31),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE supplier_transactions (
    id            bigserial PRIMARY KEY,
    card_id       bigint NOT NULL REFERENCES cards (id),
    supplier_id   bigint NOT NULL REFERENCES suppliers (id),
    txn_date      date NOT NULL,
    posting_date  date,
    amount        numeric(14,2) NOT NULL,
    currency      char(3) NOT NULL DEFAULT 'MYR',
    description   text NOT NULL DEFAULT '',
    invoice_id    bigint,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supplier_transactions_supplier_date_idx ON supplier_transactions (supplier_id, txn_date);
CREATE INDEX supplier_transactions_card_date_idx ON supplier_transactions (card_id, txn_date);

-- The only source of invoice numbers: one row per year, locked and bumped inside the issuing transaction.
CREATE TABLE invoice_sequences (
    year         integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last_number  integer NOT NULL DEFAULT 0 CHECK (last_number >= 0)
);

CREATE TABLE invoices (
    id              bigserial PRIMARY KEY,
    number          text NOT NULL,
    year            integer NOT NULL,
    seq             integer NOT NULL,
    layout          text NOT NULL CHECK (layout IN ('service', 'debit', 'itemised')),
    lang            text NOT NULL CHECK (lang IN ('en', 'zh')),
    supplier_id     bigint REFERENCES suppliers (id),
    bill_to_name    text NOT NULL,
    bill_to_address text,
    bill_to_email_enc text,
    issue_date      date NOT NULL,
    due_date        date NOT NULL,
    month           char(7),
    currency        char(3) NOT NULL DEFAULT 'MYR',
    subtotal        numeric(14,2) NOT NULL,
    tax_rate        numeric(5,4) NOT NULL DEFAULT 0,
    tax             numeric(14,2) NOT NULL,
    total           numeric(14,2) NOT NULL,
    status          text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'paid', 'void')),
    s3_key          text,
    pdf_sha256      text,
    idempotency_key text,
    request_hash    text,
    notes           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_number_key UNIQUE (number),
    CONSTRAINT invoices_year_seq_key UNIQUE (year, seq),
    CONSTRAINT invoices_total_adds_up CHECK (total = subtotal + tax)
);
CREATE UNIQUE INDEX invoices_idempotency_key ON invoices (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX invoices_month_idx ON invoices (month);

ALTER TABLE supplier_transactions
    ADD CONSTRAINT supplier_transactions_invoice_fk FOREIGN KEY (invoice_id) REFERENCES invoices (id);

CREATE TABLE invoice_items (
    id           bigserial PRIMARY KEY,
    invoice_id   bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    description  text NOT NULL,
    quantity     numeric(12,3) NOT NULL CHECK (quantity > 0),
    unit_price   numeric(14,2) NOT NULL,
    amount       numeric(14,2) NOT NULL,
    transaction_id bigint REFERENCES supplier_transactions (id),
    UNIQUE (invoice_id, position)
);

CREATE TABLE receipts (
    id             bigserial PRIMARY KEY,
    bucket         text NOT NULL,
    key            text NOT NULL,
    etag           text NOT NULL,
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'parsed', 'matched', 'unmatched', 'failed')),
    vendor         text,
    receipt_date   date,
    total          numeric(14,2),
    currency       char(3) DEFAULT 'MYR',
    confidence     numeric(5,4),
    raw_ocr        jsonb,
    transaction_id bigint REFERENCES supplier_transactions (id),
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT receipts_object_key UNIQUE (bucket, key, etag)
);
CREATE INDEX receipts_status_idx ON receipts (status);

CREATE TABLE loan_products (
    id                 bigserial PRIMARY KEY,
    product_key        text NOT NULL UNIQUE,
    bank               text NOT NULL,
    product            text NOT NULL,
    loan_type          text NOT NULL CHECK (loan_type IN ('personal', 'home', 'car', 'refinance')),
    rate_type          text NOT NULL CHECK (rate_type IN ('flat', 'effective')),
    rate_min           numeric(7,4) NOT NULL CHECK (rate_min >= 0),
    rate_max           numeric(7,4) CHECK (rate_max IS NULL OR rate_max >= rate_min),
    tenure_min_months  integer NOT NULL CHECK (tenure_min_months > 0),
    tenure_max_months  integer NOT NULL CHECK (tenure_max_months >= tenure_min_months),
    amount_min         numeric(14,2) NOT NULL CHECK (amount_min >= 0),
    amount_max         numeric(14,2) NOT NULL CHECK (amount_max >= amount_min),
    min_monthly_income numeric(14,2) NOT NULL DEFAULT 0,
    fees               numeric(14,2) NOT NULL DEFAULT 0,
    rule_of_78         boolean NOT NULL DEFAULT false,
    source             text NOT NULL,
    active             boolean NOT NULL DEFAULT true,
    refreshed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loan_products_type_idx ON loan_products (loan_type) WHERE active;

CREATE TABLE savings_products (
    id              bigserial PRIMARY KEY,
    product_key     text NOT NULL UNIQUE,
    bank            text NOT NULL,
    product         text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('savings', 'fixed_deposit')),
    rate            numeric(7,4) NOT NULL CHECK (rate >= 0),
    compounding     text NOT NULL,
    tenure_months   integer,
    min_deposit     numeric(14,2) NOT NULL DEFAULT 0,
    max_deposit     numeric(14,2),
    pidm_insured    boolean NOT NULL DEFAULT true,
    islamic         boolean NOT NULL DEFAULT false,
    source          text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    refreshed_at    timestamptz NOT NULL DEFAULT now()
);

-- Every rate change of either kind of product, so advice given on a date can be explained later.
CREATE TABLE product_rate_history (
    id            bigserial PRIMARY KEY,
    product_kind  text NOT NULL CHECK (product_kind IN ('loan', 'savings')),
    product_key   text NOT NULL,
    old_rate      numeric(7,4),
    new_rate      numeric(7,4) NOT NULL,
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
    source        text NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_rate_history_key_idx ON product_rate_history (product_kind, product_key, changed_at);

CREATE TABLE reminders (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('payment_due', 'missing_receipt')),
    due_date        date NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'whatsapp')),
    recipient_enc   text NOT NULL,
    recipient_bidx  text NOT NULL,
    subject         text,
    body            text,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_pending_idx ON reminders (due_date) WHERE status = 'pending';

CREATE TABLE processing_logs (
    id          bigserial PRIMARY KEY,
    logged_at   timestamptz NOT NULL DEFAULT now(),
    level       text NOT NULL,
    function    text NOT NULL,
    request_id  text,
    route       text,
    status      integer,
    message     text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX processing_logs_time_idx ON processing_logs (logged_at DESC);
CREATE INDEX processing_logs_request_idx ON processing_logs (request_id);
