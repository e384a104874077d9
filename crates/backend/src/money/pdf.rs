//! Plain text PDFs (account details, statements) with the `lopdf` crate: A4 pages of
//! Helvetica lines, as many pages as the lines need.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

use crate::error::{Error, Result};

const LINES_PER_PAGE: usize = 52;
const PAGE_WIDTH: i64 = 595;
const PAGE_HEIGHT: i64 = 842;

/// One line of a PDF: bold lines are headings.
pub(crate) struct Line {
    pub text: String,
    pub bold: bool,
}

impl Line {
    pub fn plain(text: impl Into<String>) -> Line {
        Line { text: text.into(), bold: false }
    }

    pub fn heading(text: impl Into<String>) -> Line {
        Line { text: text.into(), bold: true }
    }

    pub fn blank() -> Line {
        Line::plain("")
    }
}

/// The standard fonts read WinAnsi (Latin-1 for our purposes): other characters print as "?".
fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }).collect()
}

/// A PDF of `lines`, with `footer` at the foot of each page (and its page number).
pub(crate) fn text_document(lines: &[Line], footer: &str) -> Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = |doc: &mut Document, name: &str| {
        doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => name,
            "Encoding" => "WinAnsiEncoding",
        })
    };
    let regular = font(&mut doc, "Helvetica");
    let bold = font(&mut doc, "Helvetica-Bold");
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => regular, "F2" => bold },
    });
    let chunks: Vec<&[Line]> = if lines.is_empty() { vec![&[]] } else { lines.chunks(LINES_PER_PAGE).collect() };
    let page_count = chunks.len();
    let mut kids = Vec::with_capacity(page_count);
    for (number, chunk) in chunks.into_iter().enumerate() {
        let mut operations = vec![Operation::new("BT", vec![]), Operation::new("TL", vec![14.into()])];
        operations.push(Operation::new("Td", vec![50.into(), (PAGE_HEIGHT - 60).into()]));
        for line in chunk {
            let font = if line.bold { "F2" } else { "F1" };
            operations.push(Operation::new("Tf", vec![font.into(), 10.into()]));
            operations.push(Operation::new("Tj", vec![Object::string_literal(latin1(&line.text))]));
            operations.push(Operation::new("T*", vec![]));
        }
        operations.push(Operation::new("ET", vec![]));
        operations.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 8.into()]),
            Operation::new("Td", vec![50.into(), 30.into()]),
            Operation::new(
                "Tj",
                vec![Object::string_literal(latin1(&format!("{footer} - page {} of {page_count}", number + 1)))],
            ),
            Operation::new("ET", vec![]),
        ]);
        let content = Content { operations }.encode().map_err(|e| Error::Internal(format!("PDF content: {e}")))?;
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        })));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => page_count as i64,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(|e| Error::Internal(format!("PDF: {e}")))?;
    Ok(bytes)
}

/// The text of every page (tests read the PDFs back with it).
pub fn extract_text(bytes: &[u8]) -> Result<String> {
    let doc = Document::load_mem(bytes).map_err(|e| Error::Internal(format!("not a PDF: {e}")))?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).map_err(|e| Error::Internal(format!("PDF text: {e}")))
}
