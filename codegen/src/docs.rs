//! The model's HTML documentation as rustdoc markdown.
//!
//! Only what botocore's docs use is handled: paragraphs, lists, code, links,
//! `<pre>` blocks and AWS's `<note>`/`<important>` boxes; other tags are
//! dropped and their text kept. The output must never make rustdoc compile
//! something (code blocks are fenced as `text`, lines are never indented) or
//! resolve something (`[`/`]` are escaped so they are not intra-doc links).

use proc_macro2::TokenStream;
use quote::quote;

/// Converts botocore HTML documentation to markdown.
pub fn to_markdown(html: &str) -> String {
    let mut c = Converter::default();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        c.text(&rest[..lt]);
        let after = &rest[lt + 1..];
        match after.find('>') {
            // A `<` that does not open a tag is text (`a < b`).
            Some(gt) if looks_like_tag(&after[..gt]) => {
                c.tag(&after[..gt]);
                rest = &after[gt + 1..];
            }
            _ => {
                c.text("<");
                rest = after;
            }
        }
    }
    c.text(rest);
    c.finish()
}

fn looks_like_tag(inner: &str) -> bool {
    let inner = inner.trim_start_matches('/');
    inner.starts_with(|c: char| c.is_ascii_alphabetic()) || inner.starts_with('!')
}

#[derive(Default)]
struct Converter {
    out: String,
    /// Inside `<pre>`: whitespace is kept and nothing is escaped.
    pre: usize,
    /// Inside `<code>`: nothing is escaped.
    code: usize,
    /// List nesting depth.
    list: usize,
    /// Open `<a>` tags: (position in `out` where the link text starts, href).
    links: Vec<(usize, Option<String>)>,
}

impl Converter {
    fn text(&mut self, raw: &str) {
        let text = decode_entities(raw);
        if self.pre > 0 {
            self.out.push_str(&text);
            return;
        }
        for ch in text.chars() {
            if ch.is_whitespace() {
                // No space right after a code span opens (`` ` x` ``).
                let opening = self.code > 0 && self.out.ends_with('`');
                if !opening && !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
                    self.out.push(' ');
                }
                continue;
            }
            if self.code > 0 {
                // A backtick would end the code span early.
                self.out.push(if ch == '`' { '\'' } else { ch });
                continue;
            }
            match ch {
                '[' | ']' | '<' | '>' | '\\' | '`' | '*' | '_' | '#' | '|' => {
                    self.out.push('\\');
                    self.out.push(ch);
                }
                _ => self.out.push(ch),
            }
        }
    }

    fn paragraph(&mut self) {
        if self.list > 0 {
            self.space();
            return;
        }
        self.trim_end();
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
    }

    fn space(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        }
    }

    fn trim_end(&mut self) {
        let len = self.out.trim_end_matches([' ', '\n']).len();
        self.out.truncate(len);
    }

    fn tag(&mut self, inner: &str) {
        let closing = inner.starts_with('/');
        let body = inner.trim_start_matches('/').trim_end_matches('/');
        let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
        let name = body[..name_end].to_ascii_lowercase();
        // `<code/>` and the like open nothing; only `<br/>` means something.
        if inner.ends_with('/') && name != "br" {
            return;
        }
        match (name.as_str(), closing) {
            ("pre", false) => {
                self.trim_end();
                if !self.out.is_empty() {
                    self.out.push_str("\n\n");
                }
                self.out.push_str("```text\n");
                self.pre += 1;
            }
            ("pre", true) if self.pre > 0 => {
                self.pre -= 1;
                self.trim_end();
                self.out.push_str("\n```\n\n");
            }
            ("code" | "tt", _) if self.pre > 0 => {}
            ("code" | "tt", false) => {
                self.space_before_inline();
                self.out.push('`');
                self.code += 1;
            }
            ("code" | "tt", true) if self.code > 0 => {
                self.code -= 1;
                if self.out.ends_with('`') {
                    // Empty code span: drop it.
                    self.out.pop();
                } else {
                    let len = self.out.trim_end().len();
                    self.out.truncate(len);
                    self.out.push('`');
                }
            }
            (_, _) if self.pre > 0 => {}
            (
                "p" | "div" | "note" | "important" | "dl" | "dd" | "dt" | "h1" | "h2" | "h3" | "h4"
                | "h5" | "h6" | "table" | "tr" | "fullname" | "section",
                _,
            ) => self.paragraph(),
            ("ul" | "ol", false) => {
                self.paragraph();
                self.list += 1;
            }
            ("ul" | "ol", true) => {
                self.list = self.list.saturating_sub(1);
                self.paragraph();
            }
            ("li", false) => {
                self.trim_end();
                if !self.out.is_empty() {
                    self.out.push('\n');
                }
                self.out.push_str("- ");
            }
            ("li", true) => self.trim_end(),
            ("br", _) => {
                self.trim_end();
                self.out.push('\n');
            }
            ("a", false) if self.code == 0 => {
                self.space_before_inline();
                let href = attribute(body, "href").filter(|h| h.starts_with("http"));
                self.links.push((self.out.len(), href));
            }
            ("a", true) if self.code == 0 => {
                if let Some((start, Some(href))) = self.links.pop() {
                    let text = self.out[start..].trim().to_owned();
                    if !text.is_empty() && !href.contains([' ', '(', ')']) {
                        self.out.truncate(start);
                        self.out.push_str(&format!("[{text}]({href})"));
                    }
                }
            }
            _ => {}
        }
    }

    /// Inline tags keep a space between them and preceding text.
    fn space_before_inline(&mut self) {
        if self.out.ends_with(|c: char| c.is_alphanumeric()) {
            self.out.push(' ');
        }
    }

    fn finish(mut self) -> String {
        while self.code > 0 {
            self.out.push('`');
            self.code -= 1;
        }
        if self.pre > 0 {
            self.out.push_str("\n```");
        }
        // Lines must never start with whitespace outside fences: four spaces
        // would make an indented (compiled) code block.
        let mut lines = Vec::new();
        let mut in_fence = false;
        for line in self.out.lines() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
                lines.push(line.trim().to_owned());
            } else if in_fence {
                lines.push(line.trim_end().to_owned());
            } else {
                lines.push(line.trim().to_owned());
            }
        }
        // Collapse runs of blank lines.
        let mut result = String::new();
        let mut blank = false;
        for line in lines {
            if line.is_empty() {
                blank = !result.is_empty();
                continue;
            }
            if !result.is_empty() {
                result.push_str(if blank { "\n\n" } else { "\n" });
            }
            result.push_str(&line);
            blank = false;
        }
        result.trim().to_owned()
    }
}

fn attribute(tag_body: &str, name: &str) -> Option<String> {
    let lower = tag_body.to_ascii_lowercase();
    let start = lower.find(&format!("{name}="))? + name.len() + 1;
    let rest = &tag_body[start..];
    let (quote, rest) = match rest.chars().next()? {
        q @ ('"' | '\'') => (Some(q), &rest[1..]),
        _ => (None, rest),
    };
    let end = match quote {
        Some(q) => rest.find(q).unwrap_or(rest.len()),
        None => rest.find(char::is_whitespace).unwrap_or(rest.len()),
    };
    Some(decode_entities(&rest[..end]).trim().to_owned())
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let name = &after[..i];
            let ch = match name {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((ch, i))
        });
        match decoded {
            Some((ch, i)) => {
                out.push(ch);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `#[doc = "..."]` attributes (one per line) for markdown text.
pub fn doc_attrs(markdown: &str) -> TokenStream {
    let lines = markdown.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = "..."]` attributes (one per line): docs of the enclosing item.
pub fn inner_doc_attrs(markdown: &str) -> TokenStream {
    let lines = markdown.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #![doc = #lines] )* }
}

/// Doc attributes for optional model documentation.
pub fn html_doc_attrs(html: Option<&str>) -> TokenStream {
    match html.map(to_markdown) {
        Some(md) if !md.is_empty() => doc_attrs(&md),
        _ => TokenStream::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_code_and_links() {
        let md = to_markdown(
            "<p>Creates a <code>User</code>.</p> <p>See <a href=\"https://x.test/a\">the guide</a> [v2].</p>",
        );
        assert_eq!(
            md,
            "Creates a `User`.\n\nSee [the guide](https://x.test/a) \\[v2\\]."
        );
    }

    #[test]
    fn lists_and_notes() {
        let md =
            to_markdown("<note><ul><li><p>One</p></li><li><p>Two <b>bold</b></p></li></ul></note>");
        assert_eq!(md, "- One\n- Two bold");
    }

    #[test]
    fn pre_is_fenced_as_text_and_lines_are_not_indented() {
        let md = to_markdown(
            "<p>Example:</p><pre><code>fn main() {\n    x()\n}</code></pre>    indented text",
        );
        assert_eq!(
            md,
            "Example:\n\n```text\nfn main() {\n    x()\n}\n```\n\nindented text"
        );
        let md = to_markdown("line one\n        four spaces");
        assert!(!md.lines().any(|l| l.starts_with(' ')), "{md:?}");
    }

    #[test]
    fn entities_and_stray_angles() {
        assert_eq!(
            to_markdown("a &lt;b&gt; &amp; 1 < 2"),
            "a \\<b\\> & 1 \\< 2"
        );
        assert_eq!(to_markdown("<p>x &#39;y&#x27;</p>"), "x 'y'");
    }

    #[test]
    fn self_closing_tags_open_nothing() {
        assert_eq!(
            to_markdown("<p>ARN <code/>arn:&lt;region&gt;</p>"),
            "ARN arn:\\<region\\>"
        );
        assert_eq!(to_markdown("a<br/>b"), "a\nb");
    }

    #[test]
    fn tags_inside_code_are_dropped() {
        let md = to_markdown("<code> https://<i>bucket</i>.s3.amazonaws.com/<i>key</i> </code>.");
        assert_eq!(md, "`https://bucket.s3.amazonaws.com/key`.");
    }
}
