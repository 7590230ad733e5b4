"""Every word the invoice PDF prints, in English and Chinese (Simplified, as used in Malaysia)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Labels:
    titles: dict[str, str]
    number: dict[str, str]
    issue_date: str
    due_date: str
    period: str
    bill_to: str
    line_no: str
    description: str
    quantity: str
    unit_price: str
    amount: str
    subtotal: str
    sst: str
    total: str
    notes: str
    bank_details: str
    bank_name: str
    account_name: str
    account_no: str
    terms: str
    registration_no: str
    sst_no: str
    tin: str
    address: str
    phone: str
    email: str
    preview: str
    page: str  # formatted with page= and pages=
    unset: str  # formatted with field=


EN = Labels(
    titles={"service": "SERVICE INVOICE", "debit": "DEBIT NOTE", "itemised": "INVOICE"},
    number={"service": "Invoice no.", "debit": "Debit note no.", "itemised": "Invoice no."},
    issue_date="Issue date",
    due_date="Due date",
    period="Period",
    bill_to="Bill to",
    line_no="#",
    description="Description",
    quantity="Qty",
    unit_price="Unit price (RM)",
    amount="Amount (RM)",
    subtotal="Subtotal",
    sst="SST ({rate}%)",
    total="Total (RM)",
    notes="Notes",
    bank_details="Bank details",
    bank_name="Bank",
    account_name="Account name",
    account_no="Account no.",
    terms="Terms and conditions",
    registration_no="Registration no.",
    sst_no="SST registration no.",
    tin="TIN",
    address="address",
    phone="Tel",
    email="Email",
    preview="PREVIEW",
    page="Page {page} of {pages}",
    unset="[unset: {field}]",
)

ZH = Labels(
    titles={"service": "服务发票", "debit": "借项通知单", "itemised": "发票"},
    number={"service": "发票号码", "debit": "借项通知单号码", "itemised": "发票号码"},
    issue_date="开具日期",
    due_date="付款到期日",
    period="期间",
    bill_to="客户",
    line_no="序号",
    description="项目说明",
    quantity="数量",
    unit_price="单价 (RM)",
    amount="金额 (RM)",
    subtotal="小计",
    sst="销售与服务税 SST ({rate}%)",
    total="总计 (RM)",
    notes="备注",
    bank_details="银行资料",
    bank_name="银行",
    account_name="户名",
    account_no="账号",
    terms="条款与条件",
    registration_no="公司注册号",
    sst_no="SST 注册号",
    tin="税务识别号 (TIN)",
    address="地址",
    phone="电话",
    email="电邮",
    preview="预览",
    page="第 {page} 页，共 {pages} 页",
    unset="[未设置：{field}]",
)

LABELS = {"en": EN, "zh": ZH}
