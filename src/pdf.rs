//! PDF documents (decision notices, the hearing bundle), written with `krilla`: A4 pages with the
//! text laid out here (wrapped at words, kept in real, extractable text in an embedded subset of
//! Liberation Sans), PNG and JPEG images, each page numbered "Page n of N", and an index whose
//! page numbers are those the sections start on. The document is tagged (headings, paragraphs,
//! figures with their alternative text; page numbers as artifacts) and carries its title and
//! language.
//!
//! Services describe a document as blocks ([`Doc`]); [`Doc::finish`] lays it out twice (once to
//! learn where each marked section starts, once with those page numbers in the index) and writes
//! the PDF.

use krilla::color::rgb;
use krilla::geom::{Point, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{ArtifactType, ContentTag, Identifier, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size as FontSize};
use skrifa::{FontRef, MetadataProvider};
use std::collections::HashMap;
use std::num::NonZeroU16;

static REGULAR: &[u8] = include_bytes!("../static/fonts/LiberationSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../static/fonts/LiberationSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const FOOTER: f32 = 28.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const BOTTOM: f32 = PAGE_H - MARGIN - FOOTER;
/// The widest an image is drawn, and the tallest.
const IMAGE_MAX_H: f32 = 420.0;
/// Where the index's page numbers stand (right-aligned to the margin) and how wide they may be.
const INDEX_NUMBER_W: f32 = 48.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Body,
    Bold,
    Small,
}

#[derive(Debug, Clone)]
enum Block {
    Heading { level: u8, text: String, mark: Option<String> },
    Para { text: String, style: Style },
    Image { bytes: Vec<u8>, alt: String, caption: String },
    Index(Vec<(String, String)>),
    PageBreak,
}

/// A document being described: blocks in reading order.
#[derive(Debug, Clone)]
pub struct Doc {
    title: String,
    blocks: Vec<Block>,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Self {
        Doc { title: title.into(), blocks: Vec::new() }
    }

    /// A heading (level 1 to 3).
    pub fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading { level: level.clamp(1, 3), text: text.into(), mark: None });
        self
    }

    /// A heading that an index entry points to by `mark`.
    pub fn section(&mut self, level: u8, text: impl Into<String>, mark: &str) -> &mut Self {
        self.blocks.push(Block::Heading { level: level.clamp(1, 3), text: text.into(), mark: Some(mark.to_string()) });
        self
    }

    /// A paragraph: its lines kept as written, each wrapped at words.
    pub fn para(&mut self, text: impl Into<String>) -> &mut Self {
        self.styled(text, Style::Body)
    }

    pub fn styled(&mut self, text: impl Into<String>, style: Style) -> &mut Self {
        let text = text.into();
        if !text.trim().is_empty() {
            self.blocks.push(Block::Para { text, style });
        }
        self
    }

    /// "Label: value" as a paragraph.
    pub fn field(&mut self, label: &str, value: impl AsRef<str>) -> &mut Self {
        self.para(format!("{label}: {}", value.as_ref()))
    }

    /// An image (PNG or JPEG bytes) with its alternative text and a caption under it. An image
    /// that cannot be read is named in the text instead.
    pub fn image(&mut self, bytes: Vec<u8>, alt: impl Into<String>, caption: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Image { bytes, alt: alt.into(), caption: caption.into() });
        self
    }

    /// An index: each entry's text with the page its section (`mark`) starts on.
    pub fn index(&mut self, entries: Vec<(String, String)>) -> &mut Self {
        self.blocks.push(Block::Index(entries));
        self
    }

    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// Lays the document out and writes the PDF.
    pub fn finish(&self) -> Result<Vec<u8>, String> {
        let fonts = Fonts::load()?;
        let first = layout(&self.blocks, &fonts, &HashMap::new());
        let second = layout(&self.blocks, &fonts, &first.marks);
        let pages = if second.marks == first.marks { second } else { layout(&self.blocks, &fonts, &second.marks) };
        render(&self.title, &pages, &self.blocks, &fonts)
    }
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
    krilla_regular: Font,
    krilla_bold: Font,
}

impl Fonts {
    fn load() -> Result<Self, String> {
        Ok(Fonts {
            regular: FontRef::new(REGULAR).map_err(|e| e.to_string())?,
            bold: FontRef::new(BOLD).map_err(|e| e.to_string())?,
            krilla_regular: Font::new(REGULAR.into(), 0).ok_or("the regular font does not load")?,
            krilla_bold: Font::new(BOLD.into(), 0).ok_or("the bold font does not load")?,
        })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, bold: bool, size: f32) -> f32 {
        let font = if bold { &self.bold } else { &self.regular };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(FontSize::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                let gid = charmap.map(c).unwrap_or_default();
                metrics.advance_width(gid).unwrap_or(size * 0.5)
            })
            .sum()
    }
}

/// Something drawn on a page, belonging to block `block` (for the tag tree).
#[derive(Debug, Clone)]
enum Op {
    Text { x: f32, y: f32, size: f32, bold: bool, text: String, block: usize },
    Image { x: f32, y: f32, w: f32, h: f32, block: usize },
}

struct Laid {
    pages: Vec<Vec<Op>>,
    marks: HashMap<String, usize>,
}

fn style_of(style: Style) -> (f32, bool) {
    match style {
        Style::Body => (10.5, false),
        Style::Bold => (10.5, true),
        Style::Small => (9.0, false),
    }
}

fn heading_size(level: u8) -> f32 {
    match level {
        1 => 18.0,
        2 => 14.0,
        _ => 11.5,
    }
}

/// Breaks one line of text into lines no wider than `width`: at spaces, and inside a word only
/// when the word alone is wider (an address, a hash).
fn wrap(fonts: &Fonts, line: &str, bold: bool, size: f32, width: f32) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
        if fonts.width(&candidate, bold, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if fonts.width(word, bold, size) <= width {
            current = word.to_string();
            continue;
        }
        for c in word.chars() {
            let mut next = current.clone();
            next.push(c);
            if fonts.width(&next, bold, size) > width && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                current.push(c);
            } else {
                current = next;
            }
        }
    }
    out.push(current);
    out
}

/// The size of an image as drawn: its pixels at 0.75 pt each, shrunk to fit the width and the
/// tallest an image may be.
fn image_size(bytes: &[u8]) -> Option<(f32, f32)> {
    let image = load_image(bytes)?;
    let (w, h) = image.size();
    if w == 0 || h == 0 {
        return None;
    }
    let (mut dw, mut dh) = (w as f32 * 0.75, h as f32 * 0.75);
    let scale = (CONTENT_W / dw).min(IMAGE_MAX_H / dh).min(1.0);
    dw *= scale;
    dh *= scale;
    Some((dw, dh))
}

fn load_image(bytes: &[u8]) -> Option<Image> {
    if bytes.starts_with(b"\x89PNG") {
        Image::from_png(bytes.to_vec().into(), true).ok()
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        Image::from_jpeg(bytes.to_vec().into(), true).ok()
    } else {
        None
    }
}

struct Cursor {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Cursor {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Makes room for `h` points, on a new page if this one has not.
    fn room(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    /// Lines of text at the left margin, each on a new page when the page is full.
    fn lines(&mut self, fonts: &Fonts, text: &str, size: f32, bold: bool, width: f32, block: usize) {
        let x = MARGIN;
        let leading = size * 1.35;
        for raw in text.lines() {
            let raw = raw.trim_end();
            if raw.trim().is_empty() {
                self.y += leading * 0.5;
                continue;
            }
            for line in wrap(fonts, raw, bold, size, width) {
                self.room(leading);
                self.y += leading;
                self.push(Op::Text { x, y: self.y - leading * 0.25, size, bold, text: line, block });
            }
        }
    }
}

fn layout(blocks: &[Block], fonts: &Fonts, known: &HashMap<String, usize>) -> Laid {
    let mut c = Cursor { pages: vec![Vec::new()], y: MARGIN };
    let mut marks = HashMap::new();
    for (i, block) in blocks.iter().enumerate() {
        match block {
            Block::Heading { level, text, mark } => {
                let size = heading_size(*level);
                // A heading keeps its first lines of text with it.
                c.y += if c.y > MARGIN { size * 0.9 } else { 0.0 };
                c.room(size * 1.35 + 40.0);
                if let Some(m) = mark {
                    marks.insert(m.clone(), c.pages.len());
                }
                c.lines(fonts, text, size, true, CONTENT_W, i);
                c.y += size * 0.35;
            }
            Block::Para { text, style } => {
                let (size, bold) = style_of(*style);
                c.lines(fonts, text, size, bold, CONTENT_W, i);
                c.y += size * 0.6;
            }
            Block::Image { bytes, alt: _, caption } => match image_size(bytes) {
                Some((w, h)) => {
                    c.room(h + 30.0);
                    c.y += 4.0;
                    c.push(Op::Image { x: MARGIN, y: c.y, w, h, block: i });
                    c.y += h + 2.0;
                    c.lines(fonts, caption, 9.0, false, CONTENT_W, i);
                    c.y += 8.0;
                }
                None => {
                    let note = format!("{caption} (this file is not an image that can be shown here)");
                    c.lines(fonts, &note, 9.0, false, CONTENT_W, i);
                    c.y += 6.0;
                }
            },
            Block::Index(entries) => {
                let size = 10.5;
                for (text, mark) in entries {
                    let page = known.get(mark).map(|p| p.to_string()).unwrap_or_else(|| "000".into());
                    let leading = size * 1.35;
                    c.room(leading);
                    let (first_page, first_y) = (c.pages.len() - 1, c.y + leading * 0.75);
                    c.lines(fonts, text, size, false, CONTENT_W - INDEX_NUMBER_W - 12.0, i);
                    // The page number on the entry's first line, right-aligned to the margin.
                    let label = format!("page {page}");
                    let w = fonts.width(&label, false, size);
                    c.pages[first_page].push(Op::Text {
                        x: PAGE_W - MARGIN - w,
                        y: first_y,
                        size,
                        bold: false,
                        text: label,
                        block: i,
                    });
                    c.y += 3.0;
                }
                c.y += 8.0;
            }
            Block::PageBreak => {
                if c.y > MARGIN {
                    c.new_page();
                }
            }
        }
    }
    Laid { pages: c.pages, marks }
}

fn render(title: &str, laid: &Laid, blocks: &[Block], fonts: &Fonts) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new().title(title.to_string()).language("en-GB".to_string()).creator("Standards Desk".to_string()),
    );
    // One tag group per block, in reading order.
    let mut groups: Vec<TagGroup> = blocks
        .iter()
        .map(|b| match b {
            Block::Heading { level, text, .. } => {
                TagGroup::new(Tag::Hn(NonZeroU16::new(*level as u16).unwrap_or(NonZeroU16::MIN), Some(text.clone())))
            }
            Block::Image { alt, .. } => TagGroup::new(Tag::Figure(Some(alt.clone()))),
            _ => TagGroup::new(Tag::P),
        })
        .collect();
    let total = laid.pages.len();
    let black = Fill { paint: rgb::Color::new(11, 12, 12).into(), ..Default::default() };
    let grey = Fill { paint: rgb::Color::new(80, 85, 88).into(), ..Default::default() };
    for (n, ops) in laid.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(black.clone()));
        for op in ops {
            match op {
                Op::Text { x, y, size, bold, text, block } => {
                    let id = text_run(&mut surface, fonts, *x, *y, *size, *bold, text);
                    groups[*block].push(id);
                }
                Op::Image { x, y, w, h, block } => {
                    let Block::Image { bytes, .. } = &blocks[*block] else { continue };
                    let Some(image) = load_image(bytes) else { continue };
                    let id = surface.start_tagged(ContentTag::Other);
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    surface.draw_image(image, Size::from_wh(*w, *h).ok_or("image size")?);
                    surface.pop();
                    surface.end_tagged();
                    groups[*block].push(id);
                }
            }
        }
        // The page number: an artifact, outside the document's structure.
        surface.set_fill(Some(grey.clone()));
        surface.start_tagged(ContentTag::Artifact(krilla::tagging::Artifact::with_kind(ArtifactType::PageNumber)));
        let footer = format!("{title} · page {} of {total}", n + 1);
        let footer = wrap(fonts, &footer, false, 8.5, CONTENT_W).remove(0);
        surface.draw_text(
            Point::from_xy(MARGIN, PAGE_H - MARGIN + 8.0),
            fonts.krilla_regular.clone(),
            8.5,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.end_tagged();
        surface.finish();
        page.finish();
    }
    let mut tree = TagTree::new();
    for g in groups {
        tree.push(g);
    }
    document.set_tag_tree(tree);
    document.finish().map_err(|e| format!("{e:?}"))
}

fn text_run(surface: &mut Surface, fonts: &Fonts, x: f32, y: f32, size: f32, bold: bool, text: &str) -> Identifier {
    let font = if bold { fonts.krilla_bold.clone() } else { fonts.krilla_regular.clone() };
    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
    surface.draw_text(Point::from_xy(x, y), font, size, text, false, TextDirection::Auto);
    surface.end_tagged();
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_break_and_lines_fit() {
        let fonts = Fonts::load().unwrap();
        let hash = "a".repeat(200);
        let lines = wrap(&fonts, &format!("SHA-256 {hash}"), false, 10.5, 200.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| fonts.width(l, false, 10.5) <= 200.0));
        assert_eq!(lines.concat().replace(' ', ""), format!("SHA-256{hash}"));
    }

    #[test]
    fn the_index_gives_the_page_a_section_starts_on() {
        let mut doc = Doc::new("Test");
        doc.index(vec![("One".into(), "a".into()), ("Two".into(), "b".into())]);
        doc.page_break().section(2, "One", "a").para("x\n".repeat(120));
        doc.page_break().section(2, "Two", "b").para("y");
        let fonts = Fonts::load().unwrap();
        let first = layout(&doc.blocks, &fonts, &HashMap::new());
        assert_eq!(first.marks["a"], 2);
        assert!(first.marks["b"] > 2);
        assert!(doc.finish().unwrap().starts_with(b"%PDF"));
    }
}
