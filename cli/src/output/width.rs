//! How many columns awscli's `table.py` counts for a text (`get_text_length`): two for each
//! character whose East Asian Width is Wide, Fullwidth or Ambiguous, one for the others.

#[rustfmt::skip]
mod table {
    include!("width_table.rs");
}

/// Whether `c` counts as two columns.
fn is_wide(c: char) -> bool {
    let c = u32::from(c);
    table::WIDE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `get_text_length(text)`.
pub fn text_length(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn east_asian_widths() {
        assert_eq!(text_length("abc"), 3);
        // Wide (CJK), fullwidth, ambiguous (Greek, ¡, é), neutral (ş) and an emoji (wide).
        assert_eq!(text_length("日本"), 4);
        assert_eq!(text_length("Ａ"), 2);
        assert_eq!(text_length("α¡"), 4);
        assert_eq!(text_length("é"), 2);
        assert_eq!(text_length("ş"), 1);
        assert_eq!(text_length("😀"), 2);
        assert_eq!(text_length(""), 0);
    }
}
