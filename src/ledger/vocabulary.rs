//! The ledgers' vocabularies: the words a column may hold (instrument, channel, kinds, statuses,
//! measures) as enums, each read from its word ignoring case and surrounding spaces.

/// `str::trim`, with the common case (nothing to trim: both ends visible ASCII) decided by two byte
/// comparisons. Cells are trimmed once by the loader, then read again as words; both come here.
pub fn trim(v: &str) -> &str {
    let bare = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x80);
    let bytes = v.as_bytes();
    if bytes.is_empty() || (bare(bytes.first()) && bare(bytes.last())) {
        v
    } else {
        v.trim()
    }
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const WORDS: &'static [&'static str] = &[$($word),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),* }
            }

            /// Reads the word, ignoring case and surrounding spaces.
            pub fn from_word(word: &str) -> Option<Self> {
                let w = trim(word);
                $(if w.eq_ignore_ascii_case($word) { return Some($name::$variant); })*
                None
            }
        }
    };
}

vocabulary!(Instrument { Grant = "grant", Loan = "loan" });
vocabulary!(Channel { Budget = "budget", Wbif = "wbif" });
vocabulary!(AllocationKind { Initial = "initial", Cut = "cut", Redistribution = "redistribution" });
vocabulary!(CommitmentKind {
    FacilityAgreement = "facility_agreement",
    LoanAgreement = "loan_agreement",
    WbifProject = "wbif_project",
    Amendment = "amendment",
});
vocabulary!(StepKind { Qualitative = "qualitative", Quantitative = "quantitative" });
vocabulary!(StepStatus {
    Submitted = "submitted",
    Fulfilled = "fulfilled",
    PartiallyFulfilled = "partially_fulfilled",
    NotFulfilled = "not_fulfilled",
});
vocabulary!(PaymentKind { PreFinancing = "pre_financing", Regular = "regular" });
vocabulary!(Layer { Precondition = "precondition", General = "general" });
vocabulary!(ConditionStatus { Met = "met", NotMet = "not_met" });
vocabulary!(
    /// Whether the ledgers itemise all of a control total (`full`) or only part of it (`partial`: a known gap).
    Itemised { Full = "full", Partial = "partial" }
);
vocabulary!(Measure {
    Allocated = "allocated",
    AllocatedGrant = "allocated_grant",
    AllocatedLoan = "allocated_loan",
    Committed = "committed",
    Paid = "paid",
    PaidGrant = "paid_grant",
    PaidLoan = "paid_loan",
    PaidBudget = "paid_budget",
    PaidWbif = "paid_wbif",
    PaidRegular = "paid_regular",
    Prefinancing = "prefinancing",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_match_the_schema() {
        use crate::ledger::schema as s;
        assert_eq!(Instrument::WORDS, s::INSTRUMENTS);
        assert_eq!(Channel::WORDS, s::CHANNELS);
        assert_eq!(AllocationKind::WORDS, s::ALLOCATION_KINDS);
        assert_eq!(CommitmentKind::WORDS, s::COMMITMENT_KINDS);
        assert_eq!(StepKind::WORDS, s::STEP_KINDS);
        assert_eq!(StepStatus::WORDS, s::STEP_STATUSES);
        assert_eq!(PaymentKind::WORDS, s::PAYMENT_KINDS);
        assert_eq!(Layer::WORDS, s::LAYERS);
        assert_eq!(ConditionStatus::WORDS, s::CONDITION_STATUSES);
        assert_eq!(Measure::WORDS, s::MEASURES);
    }

    #[test]
    fn words_are_read_case_insensitively() {
        assert_eq!(StepStatus::from_word(" Fulfilled "), Some(StepStatus::Fulfilled));
        assert_eq!(StepStatus::from_word("fulfiled"), None);
    }
}
