//! `--output table`, as the AWS CLI v2 draws it: `TableFormatter` (`formatter.py`) builds
//! sections from the value, and `MultiTable` (`table.py`) lays them out: column widths scaled to
//! the widest section, Python's rounding, titles centred, single-row sections turned vertical
//! when the table is wider than the terminal, East Asian wide characters counted as two.
//!
//! The AWS CLI measures the terminal only when standard output is one; through a pipe (scripts,
//! tests) it uses 80 columns and no colours, which is what this renders.

use super::width::text_length;
use super::{RenderError, py_str};
use crate::jmespath::Value as Data;
use crate::jmespath::value::sort_strings;
use std::rc::Rc;

/// The width the AWS CLI assumes when standard output is not a terminal.
pub const DEFAULT_WIDTH: usize = 80;

/// A `table.py` section: an optional title, column headers, rows of cells.
#[derive(Debug, Default)]
struct Section {
    /// `None` where Python has `None` (a list nested in a list), whose width counts as "None".
    title: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    indent_level: usize,
    num_cols: Option<usize>,
    max_widths: Vec<usize>,
}

impl Section {
    fn title_length(&self) -> usize {
        text_length(self.title.as_deref().unwrap_or("None"))
    }

    fn add_header(&mut self, headers: Vec<String>) -> Result<(), RenderError> {
        self.update_max_widths(&headers)?;
        if self.num_cols.is_none() {
            self.num_cols = Some(headers.len());
        }
        self.headers = headers;
        Ok(())
    }

    fn add_row(&mut self, row: Vec<String>) -> Result<(), RenderError> {
        let cols = *self.num_cols.get_or_insert(row.len());
        if row.len() != cols {
            return Err(RenderError(format!(
                "Row should have {cols} elements, instead it has {}",
                row.len()
            )));
        }
        self.update_max_widths(&row)?;
        self.rows.push(row);
        Ok(())
    }

    fn update_max_widths(&mut self, row: &[String]) -> Result<(), RenderError> {
        if self.max_widths.is_empty() {
            self.max_widths = row.iter().map(|s| text_length(s)).collect();
            return Ok(());
        }
        for (i, el) in row.iter().enumerate() {
            let Some(w) = self.max_widths.get_mut(i) else {
                return Err(RenderError("list index out of range".into()));
            };
            *w = (*w).max(text_length(el));
        }
        Ok(())
    }

    /// `calculate_column_widths(padding, max_width)`: widths scaled to fill `max_width`.
    fn column_widths(&self, padding: usize, max_width: Option<usize>) -> Vec<usize> {
        let unscaled: Vec<usize> = self.max_widths.iter().map(|w| w + padding).collect();
        let (Some(max_width), false) = (max_width, unscaled.is_empty()) else {
            return unscaled;
        };
        let total: usize = unscaled.iter().sum();
        let scale = max_width as f64 / total as f64;
        // Python's round(): halves to even.
        let mut scaled: Vec<i64> = unscaled
            .iter()
            .map(|w| (scale * *w as f64).round_ties_even() as i64)
            .collect();
        let target = i64::try_from(max_width).unwrap_or(i64::MAX);
        let mut off_by = scaled.iter().sum::<i64>() - target;
        while off_by != 0 {
            let order: Vec<usize> = if off_by < 0 {
                (0..scaled.len()).rev().collect()
            } else {
                (0..scaled.len()).collect()
            };
            for i in order {
                if off_by > 0 {
                    scaled[i] -= 1;
                    off_by -= 1;
                } else {
                    scaled[i] += 1;
                    off_by += 1;
                }
                if off_by == 0 {
                    break;
                }
            }
        }
        scaled
            .into_iter()
            .map(|w| usize::try_from(w).unwrap_or(0))
            .collect()
    }

    /// `total_width(padding=4, with_border=True, outer_padding=indent_level)`.
    fn total_width(&self) -> usize {
        let columns: usize = self.column_widths(0, None).iter().map(|w| w + 4).sum();
        let total = columns + 2 + 2 * self.indent_level;
        total.max(self.title_length() + 2 + 2 * self.indent_level)
    }
}

/// `MultiTable` plus the building half of `TableFormatter`.
#[derive(Debug, Default)]
struct Builder {
    sections: Vec<Section>,
}

impl Builder {
    fn current(&mut self) -> Result<&mut Section, RenderError> {
        self.sections
            .last_mut()
            .ok_or_else(|| RenderError("'NoneType' object has no attribute 'add_row'".into()))
    }

    fn new_section(&mut self, title: Option<&str>, indent_level: usize) {
        self.sections.push(Section {
            title: title.map(str::to_owned),
            indent_level,
            ..Section::default()
        });
    }

    /// `_build_table`: false (nothing to print) for a falsy value.
    fn build(
        &mut self,
        title: Option<&str>,
        current: &Data,
        indent_level: usize,
    ) -> Result<bool, RenderError> {
        if python_falsy(current) {
            return Ok(false);
        }
        if title.is_some() {
            self.new_section(title, indent_level);
        }
        match current {
            Data::Array(items) => {
                if matches!(items.first(), Some(Data::Object(_))) {
                    self.sub_table_from_list(items, indent_level, title)?;
                } else {
                    for item in items.iter() {
                        if scalar(item) {
                            let cell = py_str(item)?;
                            self.current()?.add_row(vec![cell])?;
                        } else if let Some(row) = all_scalar_row(item)? {
                            self.current()?.add_row(row)?;
                        } else {
                            self.build(None, item, 0)?;
                        }
                    }
                }
            }
            Data::Object(members) => self.sub_table_from_dict(members, indent_level)?,
            _ => {}
        }
        Ok(true)
    }

    fn sub_table_from_dict(
        &mut self,
        members: &[(Rc<str>, Data)],
        indent_level: usize,
    ) -> Result<(), RenderError> {
        let (headers, more) = group_scalar_keys(members);
        let get = |k: &str| members.iter().find(|(n, _)| **n == *k).map(|(_, v)| v);
        if headers.len() == 1 {
            let value = get(&headers[0])
                .map(py_str)
                .transpose()?
                .unwrap_or_default();
            self.current()?.add_row(vec![headers[0].clone(), value])?;
        } else if !headers.is_empty() {
            let row = headers
                .iter()
                .map(|k| {
                    get(k)
                        .map(py_str)
                        .transpose()
                        .map(Option::unwrap_or_default)
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.current()?.add_header(headers)?;
            self.current()?.add_row(row)?;
        }
        for key in more {
            if let Some(v) = get(&key) {
                self.build(Some(&key), v, indent_level + 1)?;
            }
        }
        Ok(())
    }

    fn sub_table_from_list(
        &mut self,
        items: &[Data],
        indent_level: usize,
        title: Option<&str>,
    ) -> Result<(), RenderError> {
        let mut headers: Vec<String> = Vec::new();
        let mut more: Vec<String> = Vec::new();
        for item in items {
            let Data::Object(m) = item else {
                return Err(not_a_dict(item));
            };
            let (h, n) = group_scalar_keys(m);
            for k in h {
                if !headers.contains(&k) {
                    headers.push(k);
                }
            }
            for k in n {
                if !more.contains(&k) {
                    more.push(k);
                }
            }
        }
        let headers = sort_strings(headers);
        let more = sort_strings(more);
        self.current()?.add_header(headers.clone())?;
        for (i, item) in items.iter().enumerate() {
            let Data::Object(m) = item else {
                return Err(not_a_dict(item));
            };
            if i > 0 && !more.is_empty() {
                self.new_section(title, indent_level);
                self.current()?.add_header(headers.clone())?;
            }
            let row = headers
                .iter()
                .map(|h| match m.iter().find(|(k, _)| **k == **h) {
                    Some((_, v)) => py_str(v),
                    None => Ok(String::new()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.current()?.add_row(row)?;
            for key in &more {
                if let Some((_, v)) = m.iter().find(|(k, _)| **k == **key) {
                    self.build(Some(key), v, indent_level + 1)?;
                }
            }
        }
        Ok(())
    }
}

/// Python's `not value`.
fn python_falsy(v: &Data) -> bool {
    match v {
        Data::Null | Data::Bool(false) => true,
        Data::Int(0) => true,
        Data::Float(f) => *f == 0.0,
        Data::Str(s) => s.is_empty(),
        Data::Array(a) => a.is_empty(),
        Data::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn scalar(v: &Data) -> bool {
    !matches!(v, Data::Array(_) | Data::Object(_))
}

/// A list (or an object, whose iteration yields its keys) whose elements are all scalars, as
/// one row.
fn all_scalar_row(item: &Data) -> Result<Option<Vec<String>>, RenderError> {
    match item {
        Data::Array(items) if items.iter().all(scalar) => {
            items.iter().map(py_str).collect::<Result<_, _>>().map(Some)
        }
        Data::Object(m) => Ok(Some(m.iter().map(|(k, _)| k.to_string()).collect())),
        _ => Ok(None),
    }
}

/// What Python says when `table.py` treats a non-object list element as an object.
fn not_a_dict(v: &Data) -> RenderError {
    RenderError(format!(
        "'{}' object has no attribute 'get'",
        v.py_type_name()
    ))
}

/// `_group_scalar_keys`: the sorted keys of scalar members, and of the others.
fn group_scalar_keys(members: &[(Rc<str>, Data)]) -> (Vec<String>, Vec<String>) {
    let mut headers = Vec::new();
    let mut more = Vec::new();
    for (k, v) in members {
        if scalar(v) {
            headers.push(k.to_string());
        } else {
            more.push(k.to_string());
        }
    }
    (sort_strings(headers), sort_strings(more))
}

/// `center_text`.
fn center_text(text: &str, length: usize, left_edge: &str, right_edge: &str) -> String {
    let text_length = text_length(text);
    let char_start = (length / 2) as i64 - (text_length / 2) as i64 - 1;
    let mut out = String::from(left_edge);
    push_spaces(&mut out, char_start);
    out.push_str(text);
    let so_far = left_edge.len() as i64 + char_start + text_length as i64;
    push_spaces(&mut out, length as i64 - right_edge.len() as i64 - so_far);
    out.push_str(right_edge);
    out
}

/// `align_left` (left padding 2 when it fits).
fn align_left(text: &str, length: usize, left_edge: &str, right_edge: &str) -> String {
    let text_length = text_length(text);
    let computed = text_length + 2 + left_edge.len() + right_edge.len();
    let padding = if length >= computed { 2 } else { 0 };
    let mut out = String::from(left_edge);
    push_spaces(&mut out, padding);
    out.push_str(text);
    let so_far = left_edge.len() as i64 + padding + text_length as i64;
    push_spaces(&mut out, length as i64 - so_far - right_edge.len() as i64);
    out.push_str(right_edge);
    out
}

/// Python's `' ' * n` (nothing for n <= 0).
fn push_spaces(out: &mut String, n: i64) {
    for _ in 0..n.max(0) {
        out.push(' ');
    }
}

/// `IndentedStream.write`: `|` per indent level before, and before the final newline.
fn write_indented(out: &mut String, indent: usize, text: &str) {
    let bars = "|".repeat(indent);
    out.push_str(&bars);
    match text.strip_suffix('\n') {
        Some(body) => {
            out.push_str(body);
            out.push_str(&bars);
            out.push('\n');
        }
        None => out.push_str(text),
    }
}

fn line_break(widths: &[usize]) -> String {
    let mut s = String::new();
    for (i, w) in widths.iter().enumerate() {
        if i == 0 {
            s.push('+');
            s.push_str(&"-".repeat(w.saturating_sub(2)));
        } else {
            s.push_str(&"-".repeat(w.saturating_sub(1)));
        }
        s.push('+');
    }
    s.push('\n');
    s
}

/// Renders `value` as `aws ... --output table` does, for a terminal `terminal_width` wide.
pub fn render(title: &str, value: &Data, terminal_width: usize) -> Result<String, RenderError> {
    let mut b = Builder::default();
    if !b.build(Some(title), value, 0)? {
        return Ok(String::new());
    }
    let mut sections = b.sections;
    let widest = |s: &[Section]| s.iter().map(Section::total_width).max().unwrap_or(0);
    let mut max_width = widest(&sections);
    if max_width > terminal_width {
        // convert_to_vertical_table: single-row sections become header/value rows.
        for section in &mut sections {
            if section.rows.len() == 1 && !section.headers.is_empty() {
                let mut vertical = Section {
                    title: section.title.take(),
                    indent_level: section.indent_level,
                    ..Section::default()
                };
                let row = section.rows.remove(0);
                for (h, v) in section.headers.iter().zip(row) {
                    vertical.add_row(vec![h.clone(), v])?;
                }
                *section = vertical;
            }
        }
        max_width = widest(&sections);
    }
    // Every line is padded to the widest section: refuse a table too large to print.
    let mut size = 0u64;
    for s in &sections {
        let lines = s.rows.len().saturating_add(6);
        let width = max_width.saturating_add(s.indent_level.saturating_mul(2) + 1);
        size = size.saturating_add((lines as u64).saturating_mul(width as u64));
    }
    if size > super::MAX_OUTPUT {
        return Err(super::too_large(size));
    }
    let mut out = "-".repeat(max_width);
    out.push('\n');
    for section in &sections {
        render_section(&mut out, section, max_width);
    }
    Ok(out)
}

fn render_section(out: &mut String, section: &Section, max_width: usize) {
    let indent = section.indent_level;
    let max_width = max_width.saturating_sub(indent * 2);
    if let Some(title) = section.title.as_deref().filter(|t| !t.is_empty()) {
        write_indented(
            out,
            indent,
            &format!("{}\n", center_text(title, max_width, "|", "|")),
        );
        if section.headers.is_empty() && section.rows.is_empty() {
            write_indented(
                out,
                indent,
                &format!("+{}+\n", "-".repeat(max_width.saturating_sub(2))),
            );
        }
    }
    if !section.headers.is_empty() {
        let widths = section.column_widths(4, Some(max_width));
        let mut current = String::new();
        for (i, (w, header)) in widths.iter().zip(&section.headers).enumerate() {
            let left = if i == 0 { "|" } else { "" };
            current.push_str(&center_text(header, *w, left, "|"));
        }
        write_indented(out, indent, &line_break(&widths));
        write_indented(out, indent, &format!("{current}\n"));
    }
    if !section.rows.is_empty() {
        let widths = section.column_widths(4, Some(max_width));
        if widths.is_empty() {
            return;
        }
        write_indented(out, indent, &line_break(&widths));
        for row in &section.rows {
            let mut current = String::new();
            for (i, (w, cell)) in widths.iter().zip(row).enumerate() {
                let left = if i == 0 { "|" } else { "" };
                current.push_str(&align_left(cell, *w, left, "|"));
            }
            write_indented(out, indent, &format!("{current}\n"));
        }
        write_indented(out, indent, &line_break(&widths));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Column scaling rounds halves to even, as Python's `round()` (checked against table.py).
    #[test]
    fn column_widths_round_half_to_even() {
        let s = Section {
            max_widths: vec![0, 0, 4],
            ..Section::default()
        };
        assert_eq!(s.column_widths(4, Some(18)), vec![4, 4, 10]);
        let s = Section {
            max_widths: vec![1, 5, 9],
            ..Section::default()
        };
        assert_eq!(s.column_widths(4, Some(77)), vec![14, 26, 37]);
    }
}
