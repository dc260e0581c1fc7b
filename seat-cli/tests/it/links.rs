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

/// A test file's link followed by test names: each name is a function of that file.
#[test]
fn every_named_test_exists_in_its_file() {
    let docs = root().join("docs");
    let mut checked = 0;
    for line in doc().lines() {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = rest.get(i + 2..).unwrap_or_default();
            let Some(end) = after.find(')') else { break };
            let target = after.get(..end).unwrap_or_default();
            let tail = after.get(end + 1..).unwrap_or_default();
            rest = tail;
            if !target.contains("/tests/") || !target.ends_with(".rs") {
                continue;
            }
            let source = std::fs::read_to_string(docs.join(target)).expect(target);
            // The names right after the link: ` `a`, `b`` and nothing between them.
            let mut names = tail;
            while let Some(after_tick) = names.trim_start().strip_prefix('`') {
                let Some(close) = after_tick.find('`') else {
                    break;
                };
                let name = after_tick.get(..close).unwrap_or_default();
                if !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    break;
                }
                assert!(
                    source.contains(&format!("fn {name}(")),
                    "{target} has no test {name}"
                );
                checked += 1;
                let next = after_tick.get(close + 1..).unwrap_or_default();
                names = next.strip_prefix(',').unwrap_or("");
            }
        }
    }
    assert!(checked > 40, "{checked} test names checked");
}
