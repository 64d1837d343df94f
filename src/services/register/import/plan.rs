//! The plan of an import: what each row would do (the preview) and the writes that do it, over
//! the register held in memory for the whole file.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Added,
    Changed,
    Unchanged,
    Refused,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Added => "Added",
            Outcome::Changed => "Changed",
            Outcome::Unchanged => "Unchanged",
            Outcome::Refused => "Refused",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub outcome: Outcome,
    pub outcome_label: &'static str,
    /// Who or what the row is about: "Alex Archer, Northfield Parish Council".
    pub subject: String,
    /// The fields changed, or the reason a row is refused.
    pub detail: String,
}

pub(super) enum Write {
    NewMember(Member),
    MemberChanges(String, MemberChanges),
    NewMembership(Membership),
    MembershipChanges(String, MembershipChanges),
    NewAccount(MemberAccount),
    AccountChanges(String, AccountChanges),
}

pub(super) struct Plan {
    pub(super) rows: Vec<PreviewRow>,
    pub(super) writes: Vec<Write>,
}

pub(super) fn refused(line: usize, subject: String, reason: impl Into<String>) -> PreviewRow {
    PreviewRow { line, outcome: Outcome::Refused, outcome_label: "Refused", subject, detail: reason.into() }
}

pub(super) fn done(line: usize, outcome: Outcome, subject: String, detail: String) -> PreviewRow {
    PreviewRow { line, outcome, outcome_label: outcome.label(), subject, detail }
}

/// The register as the import sees it, held in memory for a whole file.
pub(super) struct Register {
    pub(super) councils: Vec<Authority>,
    pub(super) wards: HashMap<String, Vec<Ward>>,
    pub(super) members: Vec<Member>,
    pub(super) memberships: HashMap<String, Vec<Membership>>,
    pub(super) accounts: Vec<MemberAccount>,
    // Indexes into `members` and `accounts`, so a file is read in one pass.
    pub(super) by_email: HashMap<String, usize>,
    pub(super) by_name: HashMap<String, Vec<usize>>,
    pub(super) by_id: HashMap<String, usize>,
    pub(super) by_handle: HashMap<(String, String), usize>,
}

impl Register {
    pub(super) fn load(conn: &mut DbConnection) -> diesel::QueryResult<Self> {
        let mut wards: HashMap<String, Vec<Ward>> = HashMap::new();
        for w in reg_rows::list_all_wards(conn)? {
            wards.entry(w.authority_id.clone()).or_default().push(w);
        }
        let mut memberships: HashMap<String, Vec<Membership>> = HashMap::new();
        for ms in member_rows::list_all_memberships(conn)? {
            memberships.entry(ms.member_id.clone()).or_default().push(ms);
        }
        let mut reg = Register {
            councils: authority_rows::list_all(conn)?,
            wards,
            members: Vec::new(),
            memberships,
            accounts: Vec::new(),
            by_email: HashMap::new(),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            by_handle: HashMap::new(),
        };
        for m in member_rows::list_all(conn)? {
            reg.push_member(m);
        }
        for a in member_rows::list_all_accounts(conn)? {
            reg.push_account(a);
        }
        Ok(reg)
    }

    pub(super) fn push_member(&mut self, m: Member) {
        let i = self.members.len();
        if let Some(e) = &m.email {
            self.by_email.entry(e.to_lowercase()).or_insert(i);
        }
        self.by_name.entry(m.full_name.clone()).or_default().push(i);
        self.by_id.insert(m.id.clone(), i);
        self.members.push(m);
    }

    /// Replaces a member's row (same id), keeping the indexes right.
    pub(super) fn set_member(&mut self, i: usize, m: Member) {
        let old = std::mem::replace(&mut self.members[i], m);
        if let Some(e) = &old.email {
            if self.by_email.get(&e.to_lowercase()) == Some(&i) {
                self.by_email.remove(&e.to_lowercase());
            }
        }
        if let Some(v) = self.by_name.get_mut(&old.full_name) {
            v.retain(|x| *x != i);
        }
        let new = &self.members[i];
        if let Some(e) = &new.email {
            self.by_email.entry(e.to_lowercase()).or_insert(i);
        }
        self.by_name.entry(new.full_name.clone()).or_default().push(i);
    }

    pub(super) fn push_account(&mut self, a: MemberAccount) {
        self.by_handle.entry((a.platform.clone(), normalise_handle(&a.handle))).or_insert(self.accounts.len());
        self.accounts.push(a);
    }

    pub(super) fn council(&self, raw: &str) -> Option<&Authority> {
        let t = raw.trim();
        self.councils.iter().find(|a| {
            a.name.eq_ignore_ascii_case(t)
                || a.short_name.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(t))
                || a.slug.eq_ignore_ascii_case(t)
        })
    }
}

pub(super) fn plan_for(conn: &mut DbConnection, import: &RegisterImport, t: NaiveDateTime) -> ServiceResult<Plan> {
    let mut reg = Register::load(conn)?;
    let columns = if import.kind == "accounts" { ACCOUNT_COLUMNS } else { MEMBER_COLUMNS };
    let table = read_table(&import.csv, columns).map_err(ServiceError::refused)?;
    Ok(if import.kind == "accounts" { accounts_plan(&mut reg, &table, t) } else { members_plan(&mut reg, &table, t) })
}
