//! docs/use-cases.md: every link resolves to a file or folder of the repository, and every
//! use case and security goal links at least one.

use crate::root;

fn doc() -> String {
    std::fs::read_to_string(root().join("docs/use-cases.md")).expect("docs/use-cases.md")
}

/// The targets of the `[text](target)` links of `line`.
fn links(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = rest.get(i + 2..).unwrap_or_default();
        let Some(end) = after.find(')') else { break };
        out.push(after.get(..end).unwrap_or_default().to_string());
        rest = after.get(end..).unwrap_or_default();
    }
    out
}

#[test]
fn every_link_resolves_to_an_existing_path() {
    let docs = root().join("docs");
    let mut count = 0;
    for line in doc().lines() {
        for target in links(line) {
            assert!(!target.starts_with("http"), "external link {target}");
            let path = target.split('#').next().unwrap_or_default();
            let resolved = docs.join(path);
            assert!(
                resolved.exists(),
                "{target} does not exist ({})",
                resolved.display()
            );
            count += 1;
        }
    }
    assert!(count > 40, "{count} links");
}

#[test]
fn every_use_case_and_goal_links_a_file() {
    let text = doc();
    for section in ["## Use cases", "## Security goals"] {
        let body = text.split(section).nth(1).expect(section);
        let body = body.split("\n## ").next().unwrap_or_default();
        let rows: Vec<&str> = body
            .lines()
            .filter(|l| l.starts_with("| ") && l.chars().nth(2).is_some_and(|c| c.is_ascii_digit()))
            .collect();
        assert_eq!(rows.len(), 10, "{section}");
        for row in rows {
            // The privacy goal is answered by a statement, not a test.
            if row.starts_with("| 9 | Privacy") {
                continue;
            }
            assert!(!links(row).is_empty(), "{section}: {row}");
        }
    }
}
