"""The single table: one PynamoDB model per kind of item, and the one place that knows the key layout.

Key layout (see docs/data-model.md for the access patterns each serves):

    PK                                      SK                              item
    ACCOUNT#{aid}                           ACCOUNT                         account (+ reseller profile)
    ACCOUNT#{aid}                           ACTIVE_RUN#{cycle_start}        the run billing a cycle now
    ACCOUNT#{aid}                           INVOICING_DAY#{dd}              a cycle day of the reseller's history
    ACCOUNT#{aid}                           CUSTOMER#{cid}                  customer
    ACCOUNT#{aid}                           CUSTOMER_NUMBER#{number}        uniqueness guard
    ACCOUNT#{aid}                           PRICE_PLAN#{pid}                price plan
    ACCOUNT#{aid}                           PRODUCT#{pid}                   product
    ACCOUNT#{aid}                           PRODUCT_CODE#{code}             uniqueness guard
    ACCOUNT#{aid}                           BILLING_RUN#{rid}               billing run and its counters
    ACCOUNT#{aid}                           CYCLE#{cycle_start}             cycle closed for usage
    ACCOUNT#{aid}                           INVOICE_COUNTER#{year}          last invoice number of a year
    ACCOUNT#{aid}                           CREDIT_NOTE_COUNTER#{year}      last credit note number of a year
    ACCOUNT#{aid}#CUSTOMER#{cid}            CREDIT_NOTE#{inv_id}#{cn_id}    credit note of an invoice
    ACCOUNT#{aid}#CUSTOMER#{cid}            INVOICE#{cycle_start}           invoice
    ACCOUNT#{aid}#CUSTOMER#{cid}            INVOICE#{cycle_start}#R{nn}     its nn-th replacement
    ACCOUNT#{aid}#CUSTOMER#{cid}            REOPENED#{cycle_start}          cycle reopened by a full credit
    ACCOUNT#{aid}#CUSTOMER#{cid}            SIM#{iccid}                     SIM with status history
    ACCOUNT#{aid}#CUSTOMER#{cid}            USAGE#{~date}#{iccid}#{service} usage total of a SIM on a day
    ACCOUNT#{aid}#BILLING_RUN#{rid}         CUSTOMER#{cid} / PAGE#{n}       run outcome per customer / page
    ACCOUNT#{aid}#USAGE_RECORD#{record_id}  RECORD                          raw usage record (dedupe key)
    ACCOUNT#{aid}                           STOCK_ALLOCATION#{alid}         a range being added to the stock
    ACCOUNT#{aid}                           USAGE_FILE#{fid}                usage file and its checkpoint
    ICCID#{iccid}                           SIM                             platform-wide ICCID registration
    STOCK#{iccid}                           STOCK                           an ICCID in an account's SIM stock

`~date` is 99999999 - YYYYMMDD, so a customer's newest usage sorts first and one Query reads a
customer's invoice for a cycle, its SIMs and its usage since the cycle start (invoices.py).

GSI1 (Listing):      ACCOUNTS / {type}#{aid}; ACCOUNT#{aid}#INVOICES / {cid}#{cycle_start};
                     ACCOUNT#{aid}#STOCK / {status}#{iccid};
                     ACCOUNT#{aid}#CREDIT_NOTES / {cid}#{inv_id}#{cn_id} (issued credit notes)
GSI2 (InvoicingDay): INVOICING_DAY#{dd} / {aid}, on the INVOICING_DAY# items of resellers with customer
                     invoicing on: one per day of their billing-cycle history;
                     ACCOUNT#{aid}#DOCUMENTS / {issue_date}#{kind}#{number}: issued credit notes, the
                     documents report (with the invoices issued since credit notes exist).
GSI3 (UnfinishedRuns): UNFINISHED_RUNS / {aid}#{rid}, only on billing runs the reconciler has not seen final;
                     projects only what never changes on a run (its ids), so a run's counters are written once;
                     UNFINISHED_CREDIT_NOTES / {aid}#{cn_id} on credit notes not yet issued and announced.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from reseller_billing.dal.attributes import (
    CompressedJSONAttribute,
    DateAttribute,
    DecimalAttribute,
    IntegerAttribute,
)
from reseller_billing.settings import get_settings


class _TableMeta:
    # PynamoDB binds a model to its table when the class is made; botocore itself honours
    # AWS_ENDPOINT_URL(_DYNAMODB) locally.
    table_name = get_settings().table_name
    region = get_settings().region


class ListingIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta(_TableMeta):
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class InvoicingDayIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta(_TableMeta):
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class UnfinishedRunsIndex(GlobalSecondaryIndex["TableItem"]):
    class Meta(_TableMeta):
        index_name = "GSI3"
        projection = IncludeProjection(["entity", "id", "account_id"])

    gsi3pk = UnicodeAttribute(hash_key=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(range_key=True, attr_name="GSI3SK")


class TableItem(Model):
    """Base of every item; `entity` tells PynamoDB which subclass a queried item is."""

    class Meta(_TableMeta):
        pass

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    entity = DiscriminatorAttribute(attr_name="entity")
    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    gsi3pk = UnicodeAttribute(null=True, attr_name="GSI3PK")
    gsi3sk = UnicodeAttribute(null=True, attr_name="GSI3SK")

    listing: ClassVar[ListingIndex] = ListingIndex()
    invoicing_day: ClassVar[InvoicingDayIndex] = InvoicingDayIndex()
    unfinished_runs: ClassVar[UnfinishedRunsIndex] = UnfinishedRunsIndex()


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def customer_pk(account_id: str, customer_id: str) -> str:
    return f"ACCOUNT#{account_id}#CUSTOMER#{customer_id}"


def descending_date(day: date) -> str:
    """A key part that sorts later dates first."""
    return f"{99999999 - int(day.strftime('%Y%m%d')):08d}"


# --- accounts ------------------------------------------------------------------------------------


class CycleDayChangeMap(MapAttribute[str, Any]):
    billing_cycle_day = IntegerAttribute()
    effective_from = DateAttribute(null=True)


class ResellerProfileMap(MapAttribute[str, Any]):
    customer_invoice_creation = BooleanAttribute()
    customer_invoice_type = UnicodeAttribute()
    billing_cycle_day = IntegerAttribute()
    invoice_number_prefix = UnicodeAttribute()
    credit_note_prefix = UnicodeAttribute(null=True)  # profiles stored before credit notes: the default
    # Profiles stored before these fields existed read as their defaults: no issuer, 30 days, no bank
    # account or footer, no e-invoices, and a cycle day that never changed.
    issuer = JSONAttribute(null=True)  # legal_name, address, vat_id, registration_number, email, peppol_id
    payment_terms_days = IntegerAttribute(null=True)
    bank_account = JSONAttribute(null=True)  # iban, bic
    invoice_footer = UnicodeAttribute(null=True)
    e_invoice_format = UnicodeAttribute(default="NONE")
    billing_cycle_history = ListAttribute(of=CycleDayChangeMap, null=True)


class AccountItem(TableItem, discriminator="Account"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    account_type = UnicodeAttribute(attr_name="type")
    currency = UnicodeAttribute()
    bill_cycle_day = IntegerAttribute()
    reseller_profile = ResellerProfileMap(null=True)
    profile_version = IntegerAttribute(default=0)
    customer_count = IntegerAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = IntegerAttribute(default=1)  # ETag; every change is conditional on it

    @staticmethod
    def key(account_id: str) -> tuple[str, str]:
        return account_pk(account_id), "ACCOUNT"

    def index_keys(self) -> None:
        """Set the listing index keys from the account's current state. (The account itself is no longer
        in the invoicing-day index: its InvoicingDayMarker items are; accounts saved before carry GSI2
        keys until their next save removes them.)"""
        self.gsi1pk, self.gsi1sk = "ACCOUNTS", f"{self.account_type}#{self.id}"
        self.gsi2pk = self.gsi2sk = None


class InvoicingDayMarker(TableItem, discriminator="InvoicingDay"):
    """One day of the month on which a reseller may have a run date: every day of its billing-cycle
    history. In the invoicing-day index (GSI2) while its customer invoicing is on; never deleted (an
    update takes it out of the index), so that saving a profile needs no right to delete."""

    account_id = UnicodeAttribute()

    @staticmethod
    def key(account_id: str, day: int) -> tuple[str, str]:
        return account_pk(account_id), f"INVOICING_DAY#{day:02d}"

    @staticmethod
    def index_key(day: int) -> str:
        return f"INVOICING_DAY#{day:02d}"


# --- catalog -------------------------------------------------------------------------------------


class AddressMap(MapAttribute[str, Any]):
    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute()
    city = UnicodeAttribute()
    country = UnicodeAttribute()


class CustomerItem(TableItem, discriminator="Customer"):
    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    customer_number = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    address = AddressMap()
    vat_rate = DecimalAttribute()
    status = UnicodeAttribute()
    # Customers saved before these fields existed read as their defaults.
    vat_id = UnicodeAttribute(null=True)
    tax_treatment = UnicodeAttribute(default="STANDARD")
    tax_exemption_reason = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(default="en")
    peppol_id = UnicodeAttribute(null=True)
    open_sim_count = IntegerAttribute(default=0)  # SIMs not RETIRED: a customer closes only at 0
    sim_count = IntegerAttribute(default=0)  # SIMs ever assigned (a retired SIM is billed in its last cycle)
    latest_retirement = DateAttribute(null=True)  # of its SIMs: a customer closes only once it has passed
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = IntegerAttribute(default=1)  # ETag; every change is conditional on it

    @staticmethod
    def key(account_id: str, customer_id: str) -> tuple[str, str]:
        return account_pk(account_id), f"CUSTOMER#{customer_id}"


class UniqueValueGuard(TableItem, discriminator="UniqueValue"):
    """Holds a value (customer number, product code) so a conditional put can refuse a duplicate."""

    owner_id = UnicodeAttribute()

    @staticmethod
    def customer_number_key(account_id: str, number: str) -> tuple[str, str]:
        return account_pk(account_id), f"CUSTOMER_NUMBER#{number}"

    @staticmethod
    def product_code_key(account_id: str, code: str) -> tuple[str, str]:
        return account_pk(account_id), f"PRODUCT_CODE#{code}"


class AllowanceMap(MapAttribute[str, Any]):
    service = UnicodeAttribute()
    included = DecimalAttribute()
    overage_price = DecimalAttribute()


class MrcTierMap(MapAttribute[str, Any]):
    min_active_sims = IntegerAttribute()
    monthly_fee = DecimalAttribute()


class PriceVersionMap(MapAttribute[str, Any]):
    version = IntegerAttribute()
    effective_from = DateAttribute(null=True)
    activation_fee = DecimalAttribute()
    monthly_fee = DecimalAttribute()
    pool_type = UnicodeAttribute()
    allowances = ListAttribute(of=AllowanceMap, default=list)
    mrc_tiers = ListAttribute(of=MrcTierMap, default=list)


class PricePlanItem(TableItem, discriminator="PricePlan"):
    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    versions = ListAttribute(of=PriceVersionMap, null=True)
    # A plan stored before prices had versions holds its one version here; its next save moves it.
    activation_fee = DecimalAttribute(null=True)
    monthly_fee = DecimalAttribute(null=True)
    pool_type = UnicodeAttribute(null=True)
    allowances = ListAttribute(of=AllowanceMap, null=True)
    mrc_tiers = ListAttribute(of=MrcTierMap, null=True)
    product_count = IntegerAttribute(default=0)  # products whose plan history names it: those cannot lose it
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = IntegerAttribute(default=1)  # ETag; every change is conditional on it

    @staticmethod
    def key(account_id: str, plan_id: str) -> tuple[str, str]:
        return account_pk(account_id), f"PRICE_PLAN#{plan_id}"


class PlanAssignmentMap(MapAttribute[str, Any]):
    price_plan_id = UnicodeAttribute()
    effective_from = DateAttribute(null=True)


class ProductItem(TableItem, discriminator="Product"):
    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    price_plan_id = UnicodeAttribute()  # the plan set last; the plan history says from when
    plan_history = ListAttribute(of=PlanAssignmentMap, null=True)  # products stored before: [(price_plan_id, None)]
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = IntegerAttribute(default=1)  # ETag; every change is conditional on it

    @staticmethod
    def key(account_id: str, product_id: str) -> tuple[str, str]:
        return account_pk(account_id), f"PRODUCT#{product_id}"


class StatusChangeMap(MapAttribute[str, Any]):
    status = UnicodeAttribute()
    effective_date = DateAttribute()


class SimItem(TableItem, discriminator="Sim"):
    iccid = UnicodeAttribute()
    account_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    activation_date = DateAttribute()
    status = UnicodeAttribute()
    history = ListAttribute(of=StatusChangeMap)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = IntegerAttribute(default=1)  # ETag; every change is conditional on it

    @staticmethod
    def key(account_id: str, customer_id: str, iccid: str) -> tuple[str, str]:
        return customer_pk(account_id, customer_id), f"SIM#{iccid}"


class IccidRegistration(TableItem, discriminator="IccidRegistration"):
    """Makes an ICCID unique platform-wide and tells usage intake whose SIM it is."""

    iccid = UnicodeAttribute()
    account_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    product_id = UnicodeAttribute(null=True)  # null on registrations written before usage was checked against plans
    activation_date = DateAttribute()
    retired_on = DateAttribute(null=True)

    @staticmethod
    def key(iccid: str) -> tuple[str, str]:
        return f"ICCID#{iccid}", "SIM"


class StockItem(TableItem, discriminator="Stock"):
    """An ICCID in an account's SIM stock. Its key is the ICCID alone, so an ICCID is in at most one
    account's stock; the account lists its stock in GSI1, by status then ICCID."""

    iccid = UnicodeAttribute()
    account_id = UnicodeAttribute()
    status = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    allocation_id = UnicodeAttribute()  # the request or range that added it: a redone range recognises its own
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def key(iccid: str) -> tuple[str, str]:
        return f"STOCK#{iccid}", "STOCK"

    @staticmethod
    def listing_key(account_id: str, status: str, iccid: str) -> tuple[str, str]:
        return stock_listing_pk(account_id), f"{status}#{iccid}"


def stock_listing_pk(account_id: str) -> str:
    return f"{account_pk(account_id)}#STOCK"


class RejectedIccidMap(MapAttribute[str, Any]):
    iccid = UnicodeAttribute()
    reason = UnicodeAttribute()


class StockAllocationItem(TableItem, discriminator="StockAllocation"):
    """A range being added to an account's stock, with its checkpoint: how many of its ICCIDs are done."""

    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    status = UnicodeAttribute()
    first = UnicodeAttribute()
    iccid_count = IntegerAttribute()  # not `count`: PynamoDB's Model.count is a method
    done = IntegerAttribute(default=0)
    added = IntegerAttribute(default=0)
    rejected_count = IntegerAttribute(default=0)
    rejected = ListAttribute(of=RejectedIccidMap, default=list)  # the first MAX_LISTED_REJECTIONS
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str, allocation_id: str) -> tuple[str, str]:
        return account_pk(account_id), f"STOCK_ALLOCATION#{allocation_id}"


# --- usage ---------------------------------------------------------------------------------------


class UsageRecordItem(TableItem, discriminator="UsageRecord"):
    """A raw usage record, kept as received; its key makes a re-sent record a no-op."""

    record_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    iccid = UnicodeAttribute()
    service = UnicodeAttribute()
    quantity = DecimalAttribute()
    occurred_at = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    # `{file_id}:{line}` for a record from a usage file: ingesting that line again finds its own record
    source = UnicodeAttribute(null=True)

    @staticmethod
    def key(account_id: str, record_id: str) -> tuple[str, str]:
        return f"{account_pk(account_id)}#USAGE_RECORD#{record_id}", "RECORD"


class UsageTotalItem(TableItem, discriminator="UsageTotal"):
    """A SIM's usage of one service in one billing cycle (the reseller's cycle containing each record's UTC
    day), summed as records arrive: an invoice reads at most one per SIM and service, whatever the days."""

    iccid = UnicodeAttribute()
    service = UnicodeAttribute()
    cycle_start = DateAttribute()
    quantity = DecimalAttribute()

    @staticmethod
    def key(account_id: str, customer_id: str, cycle_start: date, iccid: str, service: str) -> tuple[str, str]:
        return customer_pk(account_id, customer_id), f"USAGE#{descending_date(cycle_start)}#{iccid}#{service}"


class UsageFileItem(TableItem, discriminator="UsageFile"):
    """A usage file uploaded to S3 and its ingestion: status, counts and the checkpoint (lines and bytes
    done, moved once per committed batch, conditional on the previous one)."""

    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    format = UnicodeAttribute()
    status = UnicodeAttribute()
    object_key = UnicodeAttribute()
    version_id = UnicodeAttribute(null=True)  # the object version being ingested: a later upload does not mix in
    line = IntegerAttribute(default=0)
    offset = IntegerAttribute(default=0)
    accepted = IntegerAttribute(default=0)
    duplicates = IntegerAttribute(default=0)
    rejected = IntegerAttribute(default=0)
    rejections_key = UnicodeAttribute(null=True)
    failure = UnicodeAttribute(null=True)
    failure_message = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str, file_id: str) -> tuple[str, str]:
        return account_pk(account_id), f"USAGE_FILE#{file_id}"


# --- billing -------------------------------------------------------------------------------------


class CycleClosure(TableItem, discriminator="CycleClosure"):
    """Written when billing of a cycle starts; usage for a closed cycle is refused (cycle_closed)."""

    cycle_start = DateAttribute()
    closed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str, cycle_start: date) -> tuple[str, str]:
        return account_pk(account_id), f"CYCLE#{cycle_start.isoformat()}"


class ActiveRun(TableItem, discriminator="ActiveRun"):
    """The run that bills a cycle now: a second run for the cycle starts only once this one is final."""

    run_id = UnicodeAttribute()

    @staticmethod
    def key(account_id: str, cycle_start: date) -> tuple[str, str]:
        return account_pk(account_id), f"ACTIVE_RUN#{cycle_start.isoformat()}"


class BillingRunItem(TableItem, discriminator="BillingRun"):
    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    run_date = DateAttribute()
    cycle_start = DateAttribute()
    cycle_end = DateAttribute()
    proration_days = IntegerAttribute(null=True)  # L for a transition cycle; runs stored before: the cycle's days
    trigger = UnicodeAttribute()
    snapshot = CompressedJSONAttribute()  # account, profile and catalog as the run started: one price list per run
    fanout_enqueued = BooleanAttribute(default=False)
    fanout_complete = BooleanAttribute(default=False)  # the last page is recorded
    counts_pages = BooleanAttribute(default=False)  # False on runs started before pages were counted
    fanout_pages = IntegerAttribute(default=0)  # pages recorded (they finish in any order)
    fanout_last_page = IntegerAttribute(null=True)  # the last page's number, once it is recorded
    customers = IntegerAttribute(default=0)
    issued = IntegerAttribute(default=0)
    skipped = IntegerAttribute(default=0)
    failed = IntegerAttribute(default=0)
    requeued = IntegerAttribute(default=0)  # times the reconciler enqueued what the run had left undone
    customer_ids = UnicodeSetAttribute(null=True)  # a run for chosen customers (up to 1,000); none: every one
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str, run_id: str) -> tuple[str, str]:
        return account_pk(account_id), f"BILLING_RUN#{run_id}"

    def list_as_unfinished(self) -> None:
        """List the run in GSI3 among the unfinished ones, where the reconciler looks for runs that stopped."""
        self.gsi3pk, self.gsi3sk = "UNFINISHED_RUNS", f"{self.account_id}#{self.id}"


class BillingRunOutcome(TableItem, discriminator="BillingRunOutcome"):
    """What a run did for one customer, written once: a redelivered message is not counted twice."""

    outcome = UnicodeAttribute()
    invoice_id = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)

    @staticmethod
    def key(account_id: str, run_id: str, customer_id: str) -> tuple[str, str]:
        return f"{account_pk(account_id)}#BILLING_RUN#{run_id}", f"CUSTOMER#{customer_id}"


class FanoutPage(TableItem, discriminator="FanoutPage"):
    """A page of customers sent to the invoice queue, counted once even when redelivered: who they were,
    and where the next page starts (none after the last), so that the reconciler can tell which customers
    a run asked for and which pages never got fanned out."""

    customers = IntegerAttribute()
    customer_ids = UnicodeSetAttribute(null=True)  # at most 1,000 ids (~30 KB); none on an empty page
    next_cursor = UnicodeAttribute(null=True)

    @staticmethod
    def key(account_id: str, run_id: str, page: int) -> tuple[str, str]:
        return f"{account_pk(account_id)}#BILLING_RUN#{run_id}", f"PAGE#{page:06d}"


class InvoiceCounter(TableItem, discriminator="InvoiceCounter"):
    last_number = IntegerAttribute()

    @staticmethod
    def key(account_id: str, year: int) -> tuple[str, str]:
        return account_pk(account_id), f"INVOICE_COUNTER#{year}"


class InvoiceItem(TableItem, discriminator="Invoice"):
    """An invoice: NUMBERED when its number is allocated, ISSUED once its artefacts are stored."""

    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    run_id = UnicodeAttribute()
    invoice_number = UnicodeAttribute()
    status = UnicodeAttribute()
    document = CompressedJSONAttribute()
    artifacts = JSONAttribute(null=True)  # name -> {key, sha256, size, content_type}
    event_published = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    issued_at = UTCDateTimeAttribute(null=True)
    # What its credit notes credited, moved in their numbering transactions, conditional on credit_version
    # (absent until the first credit note): per line (decimal strings), VAT and gross; CreditStatus.
    credited_lines = JSONAttribute(null=True)
    credited_vat = DecimalAttribute(null=True)
    credited_total = DecimalAttribute(null=True)
    credit_status = UnicodeAttribute(null=True)
    credit_version = IntegerAttribute(null=True)

    replaces_invoice_id = UnicodeAttribute(null=True)  # on a replacement invoice: the credited one it replaces

    @staticmethod
    def key(account_id: str, customer_id: str, cycle_start: date, replacement: int = 0) -> tuple[str, str]:
        """The cycle's invoice; its replacements (after full credits) sort right after it, `#R01` ..."""
        sk = f"INVOICE#{cycle_start.isoformat()}"
        return customer_pk(account_id, customer_id), sk if replacement == 0 else f"{sk}#R{replacement:02d}"


class CreditNoteCounter(TableItem, discriminator="CreditNoteCounter"):
    last_number = IntegerAttribute()

    @staticmethod
    def key(account_id: str, year: int) -> tuple[str, str]:
        return account_pk(account_id), f"CREDIT_NOTE_COUNTER#{year}"


class CreditNoteItem(TableItem, discriminator="CreditNote"):
    """A credit note: NUMBERED in the transaction that credits its invoice, ISSUED once its artefacts are
    stored; listed in GSI3 as unfinished until it is issued and CreditNoteIssued went out."""

    id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    invoice_id = UnicodeAttribute()
    credit_note_number = UnicodeAttribute()
    status = UnicodeAttribute()
    document = CompressedJSONAttribute()
    artifacts = JSONAttribute(null=True)  # name -> {key, sha256, size, content_type}
    event_published = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    issued_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def key(account_id: str, customer_id: str, invoice_id: str, credit_note_id: str) -> tuple[str, str]:
        return customer_pk(account_id, customer_id), f"CREDIT_NOTE#{invoice_id}#{credit_note_id}"

    @staticmethod
    def invoice_prefix(invoice_id: str) -> str:
        return f"CREDIT_NOTE#{invoice_id}#"


def credit_notes_pk(account_id: str) -> str:
    return f"{account_pk(account_id)}#CREDIT_NOTES"


def documents_pk(account_id: str) -> str:
    return f"{account_pk(account_id)}#DOCUMENTS"


UNFINISHED_CREDIT_NOTES = "UNFINISHED_CREDIT_NOTES"
REOPENED = "OPEN"
REOPENING_CLOSED = "CLOSED"


class CycleReopening(TableItem, discriminator="CycleReopening"):
    """A customer's cycle reopened by the credit note that fully credited its invoice (OPEN): usage and SIM
    changes dated in it are accepted again until a replacement invoice closes it (CLOSED)."""

    cycle_start = DateAttribute()
    state = UnicodeAttribute()
    invoice_id = UnicodeAttribute()  # the credited invoice
    updated_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str, customer_id: str, cycle_start: date) -> tuple[str, str]:
        return customer_pk(account_id, customer_id), f"REOPENED#{cycle_start.isoformat()}"
