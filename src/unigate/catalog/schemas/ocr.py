"""OCR: text and tables, document parsers (invoices, receipts, IDs, resumes, cheques), anonymization."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from unigate.catalog.common import (
    Box,
    FileRef,
    InputModel,
    LanguageCode,
    NonEmptyStr,
    OutputModel,
    file_field,
)
from unigate.catalog.registry import Subfeature, register

_DOCUMENT = "The document (PDF or image): an uploaded file id or an http(s) URL."
_LANGUAGE = "Language of the document, e.g. 'en'. Omit to let the provider detect it."

# --- inputs --------------------------------------------------------------------------------------


class DocumentInput(InputModel):
    """A document to process."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"file": "https://example.com/scan.pdf"}]})

    file: FileRef = file_field(_DOCUMENT)


class DocumentLanguageInput(DocumentInput):
    """A document to process, and optionally its language."""

    language: LanguageCode | None = Field(None, description=_LANGUAGE)


class FinancialParserInput(DocumentLanguageInput):
    """A financial document (invoice or receipt) to parse."""

    document_type: Literal["invoice", "receipt"] | None = Field(
        None, description="Kind of document. Omit to let the provider decide."
    )


class DocumentQuery(InputModel):
    """A question to answer from the document."""

    query: NonEmptyStr = Field(description="The question, e.g. 'What is the total amount?'.")
    pages: str | None = Field(
        None,
        pattern=r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$",
        description="Pages, e.g. '1-3,5'.",
    )


class CustomDocumentParsingInput(DocumentInput):
    """A document and the questions to answer from it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "file": "https://example.com/resume.pdf",
                    "queries": [{"query": "What is the email address?"}],
                }
            ]
        }
    )

    queries: list[DocumentQuery] = Field(min_length=1, description="The questions.")


class OcrTablesInput(DocumentLanguageInput):
    """A document whose tables are extracted."""

    file_type: str | None = Field(
        None,
        max_length=100,
        description="Type of the document (e.g. 'pdf'). Omit to detect it from the file.",
    )


# --- ocr -----------------------------------------------------------------------------------------


class OcrBox(OutputModel):
    """A recognised text fragment and its box (pixels)."""

    text: str | None = None
    left: float | None = None
    top: float | None = None
    width: float | None = None
    height: float | None = None


class OcrOutput(OutputModel):
    """The text of the document and the boxes of its fragments."""

    text: str | None = None
    bounding_boxes: list[OcrBox] = Field(default_factory=list)


# --- ocr_async -----------------------------------------------------------------------------------


class OcrWord(OutputModel):
    """A word and its box (normalised 0-1)."""

    text: str | None = None
    bounding_box: Box = Field(default_factory=Box)
    confidence: float | None = None


class OcrLine(OutputModel):
    """A line of text, its words and its box."""

    text: str | None = None
    words: list[OcrWord] = Field(default_factory=list)
    bounding_box: Box = Field(default_factory=Box)
    confidence: float | None = None


class OcrPage(OutputModel):
    """The lines of one page."""

    lines: list[OcrLine] = Field(default_factory=list)


class OcrAsyncOutput(OutputModel):
    """The whole text, and the pages with their lines and words."""

    raw_text: str | None = None
    pages: list[OcrPage] = Field(default_factory=list)
    number_of_pages: int | None = None


# --- ocr_tables_async ----------------------------------------------------------------------------


class TableCell(OutputModel):
    """One cell of a table."""

    text: str | None = None
    row_index: int | None = None
    col_index: int | None = None
    row_span: int | None = None
    col_span: int | None = None
    confidence: float | None = None
    bounding_box: Box = Field(default_factory=Box)
    is_header: bool | None = None


class TableRow(OutputModel):
    """One row of a table."""

    cells: list[TableCell] = Field(default_factory=list)


class Table(OutputModel):
    """A table."""

    rows: list[TableRow] = Field(default_factory=list)
    num_rows: int | None = None
    num_cols: int | None = None


class TablePage(OutputModel):
    """The tables of one page."""

    tables: list[Table] = Field(default_factory=list)


class OcrTablesOutput(OutputModel):
    """The tables found, page by page."""

    pages: list[TablePage] = Field(default_factory=list)
    num_pages: int | None = None


# --- anonymization_async -------------------------------------------------------------------------


class DocumentAnonymizationOutput(OutputModel):
    """The anonymised document (base64 and a temporary URL)."""

    document: str | None = None
    document_url: str | None = None


# --- bank_check_parsing --------------------------------------------------------------------------


class Micr(OutputModel):
    """The magnetic line of a cheque."""

    raw: str | None = None
    account_number: str | None = None
    routing_number: str | None = None
    serial_number: str | None = None
    check_number: str | None = None


class BankCheck(OutputModel):
    """One parsed cheque."""

    amount: float | None = None
    amount_text: str | None = None
    bank_address: str | None = None
    bank_name: str | None = None
    date: str | None = None
    memo: str | None = None
    payer_address: str | None = None
    payer_name: str | None = None
    receiver_address: str | None = None
    receiver_name: str | None = None
    currency: str | None = None
    micr: Micr = Field(default_factory=Micr)


class BankCheckParsingOutput(OutputModel):
    """The cheques found in the document."""

    extracted_data: list[BankCheck] = Field(default_factory=list)


# --- custom_document_parsing_async ---------------------------------------------------------------


class QueryAnswer(OutputModel):
    """The answer to one query, where it was found and how sure the provider is."""

    confidence: float | None = None
    value: str | None = None
    query: str | None = None
    bounding_box: Box = Field(default_factory=Box)
    page: int | None = None


class CustomDocumentParsingOutput(OutputModel):
    """The answers to the queries."""

    items: list[QueryAnswer] = Field(default_factory=list)


# --- data_extraction -----------------------------------------------------------------------------


class ExtractedField(OutputModel):
    """A key/value pair found in the document."""

    key: str | None = None
    value: str | None = None
    bounding_box: Box = Field(default_factory=Box)
    confidence_score: float | None = None


class DataExtractionOutput(OutputModel):
    """The key/value pairs found in the document."""

    fields: list[ExtractedField] = Field(default_factory=list)


# --- financial_parser ----------------------------------------------------------------------------


class FinancialCustomer(OutputModel):
    """The customer (buyer)."""

    name: str | None = None
    id_reference: str | None = None
    mailling_address: str | None = None
    billing_address: str | None = None
    shipping_address: str | None = None
    service_address: str | None = None
    remittance_address: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    abn_number: str | None = None
    gst_number: str | None = None
    pan_number: str | None = None
    business_number: str | None = None
    siret_number: str | None = None
    siren_number: str | None = None
    customer_number: str | None = None
    coc_number: str | None = None
    fiscal_number: str | None = None
    registration_number: str | None = None
    tax_id: str | None = None
    website: str | None = None
    remit_to_name: str | None = None
    city: str | None = None
    country: str | None = None
    house_number: str | None = None
    province: str | None = None
    street_name: str | None = None
    zip_code: str | None = None
    municipality: str | None = None


class FinancialMerchant(OutputModel):
    """The merchant (seller)."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    tax_id: str | None = None
    id_reference: str | None = None
    vat_number: str | None = None
    abn_number: str | None = None
    gst_number: str | None = None
    business_number: str | None = None
    siret_number: str | None = None
    siren_number: str | None = None
    pan_number: str | None = None
    coc_number: str | None = None
    fiscal_number: str | None = None
    email: str | None = None
    fax: str | None = None
    website: str | None = None
    registration: str | None = None
    city: str | None = None
    country: str | None = None
    house_number: str | None = None
    province: str | None = None
    street_name: str | None = None
    zip_code: str | None = None
    country_code: str | None = None


class FinancialPayment(OutputModel):
    """Amounts and payment details."""

    amount_due: float | None = None
    amount_tip: float | None = None
    amount_shipping: float | None = None
    amount_change: float | None = None
    amount_paid: float | None = None
    total: float | None = None
    subtotal: float | None = None
    total_tax: float | None = None
    tax_rate: float | None = None
    discount: float | None = None
    gratuity: float | None = None
    service_charge: float | None = None
    previous_unpaid_balance: float | None = None
    prior_balance: float | None = None
    payment_terms: str | None = None
    payment_method: str | None = None
    payment_card_number: str | None = None
    payment_auth_code: str | None = None
    shipping_handling_charge: float | None = None
    transaction_number: str | None = None
    transaction_reference: str | None = None


class Barcode(OutputModel):
    """A barcode and its symbology."""

    value: str | None = None
    type: str | None = None


class FinancialDocumentInformation(OutputModel):
    """Identifiers and dates of the document."""

    invoice_receipt_id: str | None = None
    purchase_order: str | None = None
    invoice_date: str | None = None
    time: str | None = None
    invoice_due_date: str | None = None
    service_start_date: str | None = None
    service_end_date: str | None = None
    reference: str | None = None
    biller_code: str | None = None
    order_date: str | None = None
    tracking_number: str | None = None
    barcodes: list[Barcode] = Field(default_factory=list)


class FinancialLocal(OutputModel):
    """Currency, country and language of the document."""

    currency: str | None = None
    currency_code: str | None = None
    currency_exchange_rate: float | None = None
    country: str | None = None
    language: str | None = None


class FinancialBank(OutputModel):
    """Bank details printed on the document."""

    iban: str | None = None
    swift: str | None = None
    bsb: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    routing_number: str | None = None
    bic: str | None = None


class FinancialItemLine(OutputModel):
    """One line of the document."""

    tax: float | None = None
    amount_line: float | None = None
    description: str | None = None
    quantity: float | None = None
    unit_price: float | None = None
    unit_type: str | None = None
    date: str | None = None
    product_code: str | None = None
    purchase_order: str | None = None
    tax_rate: float | None = None
    base_total: float | None = None
    sub_total: float | None = None
    discount_amount: float | None = None
    discount_rate: float | None = None
    discount_code: str | None = None
    order_number: str | None = None
    title: str | None = None


class FinancialDocumentMetadata(OutputModel):
    """Where the document sits in the file and what kind it is."""

    document_index: int | None = None
    document_page_number: int | None = None
    document_type: str | None = None


class FinancialDocument(OutputModel):
    """One parsed financial document."""

    customer_information: FinancialCustomer = Field(default_factory=FinancialCustomer)
    merchant_information: FinancialMerchant = Field(default_factory=FinancialMerchant)
    payment_information: FinancialPayment = Field(default_factory=FinancialPayment)
    financial_document_information: FinancialDocumentInformation = Field(
        default_factory=FinancialDocumentInformation
    )
    local: FinancialLocal = Field(default_factory=FinancialLocal)
    bank: FinancialBank = Field(default_factory=FinancialBank)
    item_lines: list[FinancialItemLine] = Field(default_factory=list)
    document_metadata: FinancialDocumentMetadata = Field(default_factory=FinancialDocumentMetadata)


class FinancialParserOutput(OutputModel):
    """The financial documents found in the file."""

    extracted_data: list[FinancialDocument] = Field(default_factory=list)


# --- identity_parser -----------------------------------------------------------------------------


class IdentityValue(OutputModel):
    """A field of the identity document and its confidence."""

    value: str | None = None
    confidence: float | None = None


class IdentityCountry(OutputModel):
    """The issuing country."""

    name: str | None = None
    alpha2: str | None = None
    alpha3: str | None = None
    confidence: float | None = None


class IdentityDocument(OutputModel):
    """One parsed identity document; images are base64."""

    last_name: IdentityValue = Field(default_factory=IdentityValue)
    given_names: list[IdentityValue] = Field(default_factory=list)
    birth_place: IdentityValue = Field(default_factory=IdentityValue)
    birth_date: IdentityValue = Field(default_factory=IdentityValue)
    issuance_date: IdentityValue = Field(default_factory=IdentityValue)
    expire_date: IdentityValue = Field(default_factory=IdentityValue)
    document_id: IdentityValue = Field(default_factory=IdentityValue)
    issuing_state: IdentityValue = Field(default_factory=IdentityValue)
    address: IdentityValue = Field(default_factory=IdentityValue)
    age: IdentityValue = Field(default_factory=IdentityValue)
    country: IdentityCountry = Field(default_factory=IdentityCountry)
    document_type: IdentityValue = Field(default_factory=IdentityValue)
    gender: IdentityValue = Field(default_factory=IdentityValue)
    image_id: list[IdentityValue] = Field(default_factory=list)
    image_signature: list[IdentityValue] = Field(default_factory=list)
    mrz: IdentityValue = Field(default_factory=IdentityValue)
    nationality: IdentityValue = Field(default_factory=IdentityValue)


class IdentityParserOutput(OutputModel):
    """The identity documents found in the file."""

    extracted_data: list[IdentityDocument] = Field(default_factory=list)


# --- invoice_parser ------------------------------------------------------------------------------


class InvoiceCustomer(OutputModel):
    """The customer (buyer)."""

    customer_name: str | None = None
    customer_address: str | None = None
    customer_email: str | None = None
    customer_id: str | None = None
    customer_tax_id: str | None = None
    customer_mailing_address: str | None = None
    customer_billing_address: str | None = None
    customer_shipping_address: str | None = None
    customer_service_address: str | None = None
    customer_remittance_address: str | None = None
    abn_number: str | None = None
    gst_number: str | None = None
    pan_number: str | None = None
    vat_number: str | None = None
    siret_number: str | None = None
    siren_number: str | None = None


class InvoiceMerchant(OutputModel):
    """The merchant (seller)."""

    merchant_name: str | None = None
    merchant_address: str | None = None
    merchant_phone: str | None = None
    merchant_email: str | None = None
    merchant_fax: str | None = None
    merchant_website: str | None = None
    merchant_tax_id: str | None = None
    merchant_siret: str | None = None
    merchant_siren: str | None = None
    abn_number: str | None = None
    gst_number: str | None = None
    pan_number: str | None = None
    vat_number: str | None = None


class InvoiceTax(OutputModel):
    """A tax amount and its rate (percent)."""

    value: float | None = None
    rate: float | None = None


class InvoiceLocale(OutputModel):
    """Currency and language of the invoice."""

    currency: str | None = None
    language: str | None = None


class InvoiceBank(OutputModel):
    """Bank details printed on the invoice."""

    account_number: str | None = None
    iban: str | None = None
    bsb: str | None = None
    sort_code: str | None = None
    vat_number: str | None = None
    rooting_number: str | None = None
    swift: str | None = None


class InvoiceItemLine(OutputModel):
    """One line of the invoice."""

    description: str | None = None
    quantity: float | None = None
    amount: float | None = None
    unit_price: float | None = None
    discount: float | None = None
    product_code: str | None = None
    date_item: str | None = None
    tax_item: float | None = None
    tax_rate: float | None = None


class Invoice(OutputModel):
    """One parsed invoice."""

    customer_information: InvoiceCustomer = Field(default_factory=InvoiceCustomer)
    merchant_information: InvoiceMerchant = Field(default_factory=InvoiceMerchant)
    invoice_number: str | None = None
    invoice_total: float | None = None
    invoice_subtotal: float | None = None
    gratuity: float | None = None
    amount_due: float | None = None
    previous_unpaid_balance: float | None = None
    discount: float | None = None
    taxes: list[InvoiceTax] = Field(default_factory=list)
    service_charge: float | None = None
    payment_term: str | None = None
    purchase_order: str | None = None
    date: str | None = None
    due_date: str | None = None
    service_date: str | None = None
    service_due_date: str | None = None
    po_number: str | None = None
    locale: InvoiceLocale = Field(default_factory=InvoiceLocale)
    bank_informations: InvoiceBank = Field(default_factory=InvoiceBank)
    item_lines: list[InvoiceItemLine] = Field(default_factory=list)


class InvoiceParserOutput(OutputModel):
    """The invoices found in the file."""

    extracted_data: list[Invoice] = Field(default_factory=list)


# --- invoice_splitter_async ----------------------------------------------------------------------


class InvoiceSplit(OutputModel):
    """The pages (0-based) forming one invoice."""

    page_indexes: list[int] = Field(default_factory=list)
    confidence: float | None = None


class InvoiceSplitterOutput(OutputModel):
    """The invoices of a multi-invoice file, as page ranges."""

    extracted_data: list[InvoiceSplit] = Field(default_factory=list)


# --- receipt_parser ------------------------------------------------------------------------------


class ReceiptCustomer(OutputModel):
    """The customer."""

    customer_name: str | None = None


class ReceiptMerchant(OutputModel):
    """The merchant."""

    merchant_name: str | None = None
    merchant_address: str | None = None
    merchant_phone: str | None = None
    merchant_url: str | None = None
    merchant_siret: str | None = None
    merchant_siren: str | None = None
    merchant_vat_number: str | None = None
    merchant_gst_number: str | None = None
    merchant_abn_number: str | None = None


class ReceiptPayment(OutputModel):
    """How the receipt was paid."""

    card_type: str | None = None
    card_number: str | None = None
    cash: float | None = None
    tip: float | None = None
    discount: float | None = None
    change: float | None = None


class ReceiptLocale(OutputModel):
    """Currency, language and country of the receipt."""

    currency: str | None = None
    language: str | None = None
    country: str | None = None


class ReceiptTax(OutputModel):
    """A tax amount and its rate (percent)."""

    taxes: float | None = None
    rate: float | None = None


class ReceiptItemLine(OutputModel):
    """One line of the receipt."""

    description: str | None = None
    quantity: float | None = None
    amount: float | None = None
    unit_price: float | None = None


class Receipt(OutputModel):
    """One parsed receipt."""

    invoice_number: str | None = None
    invoice_total: float | None = None
    invoice_subtotal: float | None = None
    barcodes: list[Barcode] = Field(default_factory=list)
    category: str | None = None
    date: str | None = None
    due_date: str | None = None
    time: str | None = None
    customer_information: ReceiptCustomer = Field(default_factory=ReceiptCustomer)
    merchant_information: ReceiptMerchant = Field(default_factory=ReceiptMerchant)
    payment_information: ReceiptPayment = Field(default_factory=ReceiptPayment)
    locale: ReceiptLocale = Field(default_factory=ReceiptLocale)
    taxes: list[ReceiptTax] = Field(default_factory=list)
    # Free-form: extra receipt facts whose names depend on the provider (dynamic key set).
    receipt_infos: dict[str, Any] = Field(default_factory=dict)
    item_lines: list[ReceiptItemLine] = Field(default_factory=list)


class ReceiptParserOutput(OutputModel):
    """The receipts found in the file."""

    extracted_data: list[Receipt] = Field(default_factory=list)


# --- resume_parser -------------------------------------------------------------------------------


class ResumeName(OutputModel):
    """The candidate's name."""

    first_name: str | None = None
    last_name: str | None = None
    raw_name: str | None = None
    middle: str | None = None
    title: str | None = None
    prefix: str | None = None
    sufix: str | None = None


class ResumeLocation(OutputModel):
    """An address or a place."""

    formatted_location: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None
    country_code: str | None = None
    city: str | None = None
    raw_input_location: str | None = None
    street: str | None = None
    street_number: str | None = None
    appartment_number: str | None = None


class ResumePersonalInfos(OutputModel):
    """Who the candidate is and how to reach them."""

    name: ResumeName = Field(default_factory=ResumeName)
    address: ResumeLocation = Field(default_factory=ResumeLocation)
    self_summary: str | None = None
    objective: str | None = None
    date_of_birth: str | None = None
    place_of_birth: str | None = None
    phones: list[str] = Field(default_factory=list)
    mails: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    fax: list[str] = Field(default_factory=list)
    current_profession: str | None = None
    gender: str | None = None
    nationality: str | None = None
    martial_status: str | None = None
    current_salary: str | None = None
    availability: str | None = None


class ResumeEducationEntry(OutputModel):
    """A degree or a school."""

    title: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    location: ResumeLocation = Field(default_factory=ResumeLocation)
    establishment: str | None = None
    description: str | None = None
    gpa: str | None = None
    accreditation: str | None = None


class ResumeEducation(OutputModel):
    """Education history."""

    total_years_education: float | None = None
    entries: list[ResumeEducationEntry] = Field(default_factory=list)


class ResumeWorkEntry(OutputModel):
    """A job."""

    title: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    company: str | None = None
    location: ResumeLocation = Field(default_factory=ResumeLocation)
    description: str | None = None
    industry: str | None = None
    type: str | None = None


class ResumeWorkExperience(OutputModel):
    """Work history."""

    total_years_experience: float | None = None
    entries: list[ResumeWorkEntry] = Field(default_factory=list)


class ResumeLanguage(OutputModel):
    """A spoken language."""

    name: str | None = None
    code: str | None = None


class ResumeSkill(OutputModel):
    """A named item (skill, certification, course, publication, interest) and its kind."""

    name: str | None = None
    type: str | None = None


class Resume(OutputModel):
    """The parsed resume."""

    personal_infos: ResumePersonalInfos = Field(default_factory=ResumePersonalInfos)
    education: ResumeEducation = Field(default_factory=ResumeEducation)
    work_experience: ResumeWorkExperience = Field(default_factory=ResumeWorkExperience)
    languages: list[ResumeLanguage] = Field(default_factory=list)
    skills: list[ResumeSkill] = Field(default_factory=list)
    certifications: list[ResumeSkill] = Field(default_factory=list)
    courses: list[ResumeSkill] = Field(default_factory=list)
    publications: list[ResumeSkill] = Field(default_factory=list)
    interests: list[ResumeSkill] = Field(default_factory=list)


class ResumeParserOutput(OutputModel):
    """The parsed resume."""

    extracted_data: Resume = Field(default_factory=Resume)


# --- registration --------------------------------------------------------------------------------

register(
    Subfeature(
        "ocr",
        "anonymization_async",
        DocumentInput,
        DocumentAnonymizationOutput,
        mode="async",
        description="Redact personal information in a document.",
    )
)
register(
    Subfeature(
        "ocr",
        "bank_check_parsing",
        DocumentInput,
        BankCheckParsingOutput,
        description="Extract the fields of bank cheques.",
    )
)
register(
    Subfeature(
        "ocr",
        "custom_document_parsing_async",
        CustomDocumentParsingInput,
        CustomDocumentParsingOutput,
        mode="async",
        description="Answer your own questions from a document.",
    )
)
register(
    Subfeature(
        "ocr",
        "data_extraction",
        DocumentInput,
        DataExtractionOutput,
        description="Extract the key/value pairs of a document.",
    )
)
register(
    Subfeature(
        "ocr",
        "financial_parser",
        FinancialParserInput,
        FinancialParserOutput,
        description="Parse invoices and receipts into structured data.",
    )
)
register(
    Subfeature(
        "ocr",
        "identity_parser",
        DocumentInput,
        IdentityParserOutput,
        description="Parse passports, ID cards and driving licences.",
    )
)
register(
    Subfeature(
        "ocr",
        "invoice_parser",
        DocumentLanguageInput,
        InvoiceParserOutput,
        description="Parse invoices into structured data.",
    )
)
register(
    Subfeature(
        "ocr",
        "invoice_splitter_async",
        DocumentInput,
        InvoiceSplitterOutput,
        mode="async",
        description="Split a file holding several invoices into page ranges.",
    )
)
register(
    Subfeature(
        "ocr",
        "ocr",
        DocumentLanguageInput,
        OcrOutput,
        description="Extract the text of an image or a document.",
    )
)
register(
    Subfeature(
        "ocr",
        "ocr_async",
        DocumentInput,
        OcrAsyncOutput,
        mode="async",
        description="Extract the text of a multi-page document, page by page, line by line.",
    )
)
register(
    Subfeature(
        "ocr",
        "ocr_tables_async",
        OcrTablesInput,
        OcrTablesOutput,
        mode="async",
        description="Extract the tables of a document.",
    )
)
register(
    Subfeature(
        "ocr",
        "receipt_parser",
        DocumentLanguageInput,
        ReceiptParserOutput,
        description="Parse receipts into structured data.",
        dynamic_keys=("extracted_data[].receipt_infos",),
    )
)
register(
    Subfeature(
        "ocr",
        "resume_parser",
        DocumentInput,
        ResumeParserOutput,
        description="Parse resumes (CVs) into structured data.",
    )
)
