//! Reading the uploaded CSV file and finding the layout's columns in its header.

use super::*;

/// Reads CSV (RFC 4180: quoted fields with "" for a quote, commas and line breaks inside quotes;
/// CRLF or LF; a byte-order mark is ignored). Blank lines are skipped. Each record comes with
/// the line it starts on.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    let mut field_started = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
                field_started = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started = true;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                if record.len() > 1 || !record[0].trim().is_empty() || field_started {
                    out.push((start_line, std::mem::take(&mut record)));
                } else {
                    record.clear();
                }
                field_started = false;
                line += 1;
                start_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("A quoted value starting on line {start_line} is never closed"));
    }
    if !field.is_empty() || !record.is_empty() || field_started {
        record.push(field);
        if record.len() > 1 || !record[0].trim().is_empty() {
            out.push((start_line, record));
        }
    }
    Ok(out)
}

/// The columns of a layout: (key, the header words accepted, required).
pub(super) type Columns = &'static [(&'static str, &'static [&'static str], bool)];

pub(super) const MEMBER_COLUMNS: Columns = &[
    ("name", &["name", "full name", "councillor", "member"], true),
    ("title", &["title"], false),
    ("council", &["council", "authority", "body"], true),
    ("ward", &["ward", "division", "ward/division"], false),
    ("party", &["party", "political party", "group"], false),
    ("role", &["role", "position"], false),
    ("start", &["start date", "start", "started", "term start", "from"], true),
    ("end", &["end date", "end", "ended", "term end", "to"], false),
    ("end_reason", &["end reason", "reason", "reason for leaving"], false),
    ("email", &["email", "email address", "e-mail"], false),
];

pub(super) const ACCOUNT_COLUMNS: Columns = &[
    ("member", &["member", "member name", "name", "councillor"], false),
    ("member_id", &["member id", "id"], false),
    ("platform", &["platform", "site", "network"], true),
    ("handle", &["handle", "account", "username"], true),
    ("profile_url", &["profile url", "url", "profile"], false),
    ("presents", &["council presented", "council", "presents"], false),
    ("presents_role", &["role presented", "role"], false),
    ("declared", &["declared", "declared as"], false),
    ("from", &["in use from", "from"], false),
    ("to", &["in use to", "to", "until"], false),
];

pub(super) struct Table {
    pub(super) index: HashMap<&'static str, usize>,
    pub(super) rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    pub(super) fn get<'a>(&self, row: &'a [String], key: &str) -> &'a str {
        self.index.get(key).and_then(|i| row.get(*i)).map(|s| s.trim()).unwrap_or("")
    }
}

pub(super) fn read_table(text: &str, columns: Columns) -> Result<Table, String> {
    let mut records = parse_csv(text)?;
    if records.is_empty() {
        return Err("The file is empty: it needs a header row and a row for each entry".into());
    }
    let (_, header) = records.remove(0);
    let mut index = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some((key, _, _)) =
            columns.iter().find(|(k, words, _)| !index.contains_key(k) && words.contains(&h.as_str()))
        {
            index.insert(*key, i);
        }
    }
    let missing: Vec<&str> =
        columns.iter().filter(|(k, _, req)| *req && !index.contains_key(k)).map(|(_, w, _)| w[0]).collect();
    if !missing.is_empty() {
        return Err(format!("The header row has no column for: {}. See the layout on this page", missing.join(", ")));
    }
    if records.len() > MAX_ROWS {
        return Err(format!("The file has {} rows: import {MAX_ROWS} or fewer at a time", records.len()));
    }
    Ok(Table { index, rows: records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_quotes_commas_and_line_breaks() {
        let text = "\u{feff}name,council\r\n\"Archer, Alex\",\"North \"\"field\"\"\"\r\n\r\nBea,\"two\nlines\"\n";
        let rows = parse_csv(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1], (2, vec!["Archer, Alex".to_string(), "North \"field\"".to_string()]));
        assert_eq!(rows[2], (4, vec!["Bea".to_string(), "two\nlines".to_string()]));
        assert!(parse_csv("a,\"open\n").is_err());
    }
}
