//! Writing Parquet whose dictionary columns keep their dictionaries.
//!
//! A screened ledger's answer columns are dictionary arrays: each row holds
//! the number of its answer, and the dictionary a few thousand answers of up
//! to 2 KB each. Arrow's Parquet writer re-interns every row's value: it
//! hashes and compares the whole text, row by row, to rebuild the
//! dictionary it was given. [`ParquetSink`] writes such a column itself:
//! each distinct value of a batch's dictionary is interned once, each row
//! costs a table lookup, and the column chunk is a PLAIN dictionary page and
//! RLE_DICTIONARY data pages, as Arrow's writer would make them. Every other
//! column goes through Arrow's own column writers. A reader sees plain text
//! columns either way.
//!
//! Screening a Parquet ledger into Parquet copies the input's columns as
//! they are: each output row group holds the rows of one input row group,
//! and each input column's chunk is copied byte for byte (see
//! [`ParquetSink::copy_columns_from`]) instead of being decoded and encoded
//! again.

use std::io::Write;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, SchemaRef, UInt32Type};
use bytes::Bytes;
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{
    ColumnChunkMetaData, PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader,
};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::properties::{
    DEFAULT_MAX_ROW_GROUP_ROW_COUNT, EnabledStatistics, WriterProperties,
};
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

use crate::screen::Map;

mod rle;
use rle::{bit_width, hybrid};

/// A Parquet file being written from record batches.
pub(crate) struct ParquetSink<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    props: Arc<WriterProperties>,
    /// The columns of the row group being written; `None` between row
    /// groups.
    columns: Option<Vec<Column>>,
    /// Rows in the row group being written.
    rows: usize,
    max_rows: usize,
    /// The Parquet file whose columns are copied, if any.
    source: Option<Source>,
}

/// A Parquet file whose column chunks are copied into the output.
struct Source {
    file: std::fs::File,
    meta: ParquetMetaData,
    /// Per output column, the input column copied into it, if any.
    leaves: Vec<Option<usize>>,
    /// The input row group the row group being written copies.
    group: usize,
}

/// One column of the row group being written.
enum Column {
    /// Encoded by Arrow's writer.
    Arrow(Box<ArrowColumnWriter>),
    /// A dictionary column of text, encoded here.
    Dictionary(Box<DictionaryColumn>),
    /// Copied from the input's row group.
    Copied,
}

/// Whether a field is written by [`DictionaryColumn`]: a dictionary of text
/// with 32-bit keys, as the screened answer columns are.
fn is_dictionary(t: &DataType) -> bool {
    matches!(t, DataType::Dictionary(k, v) if **k == DataType::UInt32 && **v == DataType::Utf8)
}

impl<W: Write + Send> ParquetSink<W> {
    /// Starts a file of `schema`, without the serialized Arrow schema in its
    /// metadata.
    pub(crate) fn try_new(
        sink: W,
        schema: SchemaRef,
        props: WriterProperties,
    ) -> Result<ParquetSink<W>> {
        let parquet_schema = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&schema)?;
        // Ledgers are flat: field i is leaf i, which the columns below rely
        // on.
        if parquet_schema.num_columns() != schema.fields().len() {
            return Err(ParquetError::General(
                "a ledger's columns cannot be nested".into(),
            ));
        }
        let max_rows = props
            .max_row_group_row_count()
            .unwrap_or(DEFAULT_MAX_ROW_GROUP_ROW_COUNT)
            .max(1);
        let props = Arc::new(props);
        let writer =
            SerializedFileWriter::new(sink, parquet_schema.root_schema_ptr(), Arc::clone(&props))?;
        let factory = ArrowRowGroupWriterFactory::new(&writer, Arc::clone(&schema));
        Ok(ParquetSink {
            writer,
            factory,
            schema,
            props,
            columns: None,
            rows: 0,
            max_rows,
            source: None,
        })
    }

    /// Copies the columns of the Parquet file `file` (the input whose rows
    /// are written, in order, one input row to one output row) that the
    /// output has at the same position, with the same name and type: their
    /// chunks are copied as they are, and the batches' values of those
    /// columns are not read. Then each output row group holds the rows of
    /// one input row group. Returns the positions of the columns copied;
    /// none when the file cannot be copied from (it has no offset index,
    /// which the output's other columns have; a row group larger than this
    /// file's; or nothing matches).
    pub(crate) fn copy_columns_from(&mut self, file: std::fs::File) -> Result<Vec<usize>> {
        if self.columns.is_some() || !self.writer.flushed_row_groups().is_empty() {
            return Err(ParquetError::General(
                "columns are copied only into a file not yet written".into(),
            ));
        }
        let meta = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&file)?;
        let ours = self.writer.schema_descr();
        let theirs = meta.file_metadata().schema_descr();
        let indexed = meta.offset_index().is_some_and(|groups| {
            groups.len() == meta.num_row_groups()
                && groups.iter().all(|g| g.len() == theirs.num_columns())
        });
        // An output row group holds an input row group's rows: no more
        // than this file's row groups would, so that memory stays bounded.
        let small = (0..meta.num_row_groups()).all(|g| {
            usize::try_from(meta.row_group(g).num_rows()).is_ok_and(|n| n <= self.max_rows)
        });
        let mut leaves = vec![None; ours.num_columns()];
        if indexed && small {
            for (i, slot) in leaves.iter_mut().enumerate().take(theirs.num_columns()) {
                if theirs.column(i).as_ref() == ours.column(i).as_ref() {
                    *slot = Some(i);
                }
            }
        }
        let copied: Vec<usize> = (0..leaves.len())
            .filter(|&i| leaves.get(i).copied().flatten().is_some())
            .collect();
        if !copied.is_empty() {
            self.source = Some(Source {
                file,
                meta,
                leaves,
                group: 0,
            });
        }
        Ok(copied)
    }

    /// The rows of the row group being written: the input row group's
    /// when columns are copied (row groups of no rows skipped).
    fn group_rows(&mut self) -> Result<usize> {
        let Some(src) = self.source.as_mut() else {
            return Ok(self.max_rows);
        };
        loop {
            if src.group >= src.meta.num_row_groups() {
                return Err(ParquetError::General(
                    "more rows than the file whose columns are copied".into(),
                ));
            }
            let n = usize::try_from(src.meta.row_group(src.group).num_rows()).unwrap_or(0);
            if n > 0 {
                return Ok(n);
            }
            src.group += 1;
        }
    }

    /// The columns of a new row group.
    fn start_row_group(&self) -> Result<Vec<Column>> {
        let index = self.writer.flushed_row_groups().len();
        let mut arrow = self.factory.create_column_writers(index)?.into_iter();
        let descr = self.writer.schema_descr();
        let mut out = Vec::with_capacity(self.schema.fields().len());
        for (i, field) in self.schema.fields().iter().enumerate() {
            // Every field here is a leaf (the ledgers have no nested
            // columns), so writers and leaves are one per field.
            let writer = arrow.next().ok_or_else(|| {
                ParquetError::General(format!("no writer for `{}`", field.name()))
            })?;
            if self
                .source
                .as_ref()
                .is_some_and(|s| s.leaves.get(i).copied().flatten().is_some())
            {
                out.push(Column::Copied);
            } else if is_dictionary(field.data_type()) {
                let column = descr.column(i);
                let stats = self.props.statistics_enabled(column.path()) != EnabledStatistics::None;
                out.push(Column::Dictionary(Box::new(DictionaryColumn::new(
                    column,
                    stats,
                    self.props.data_page_row_count_limit(),
                ))));
            } else {
                out.push(Column::Arrow(Box::new(writer)));
            }
        }
        Ok(out)
    }

    /// Writes a batch of the file's schema.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let group_rows = self.group_rows()?;
            let n = (group_rows - self.rows).min(batch.num_rows() - offset);
            let part = batch.slice(offset, n);
            let mut columns = match self.columns.take() {
                Some(c) => c,
                None => self.start_row_group()?,
            };
            for ((column, array), field) in columns
                .iter_mut()
                .zip(part.columns())
                .zip(self.schema.fields())
            {
                match column {
                    Column::Arrow(w) => {
                        for leaf in compute_leaves(field, array)? {
                            w.write(&leaf)?;
                        }
                    }
                    Column::Dictionary(d) => d.add(array.as_ref())?,
                    Column::Copied => {}
                }
            }
            self.columns = Some(columns);
            self.rows += n;
            offset += n;
            if self.rows >= group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Writes the row group being written, if any.
    fn flush(&mut self) -> Result<()> {
        let Some(columns) = self.columns.take() else {
            return Ok(());
        };
        let mut rg = self.writer.next_row_group()?;
        for (i, column) in columns.into_iter().enumerate() {
            match column {
                Column::Copied => {
                    let src = self
                        .source
                        .as_ref()
                        .ok_or_else(|| ParquetError::General("no file to copy from".into()))?;
                    let leaf = src.leaves.get(i).copied().flatten().ok_or_else(|| {
                        ParquetError::General(format!("no column to copy into column {i}"))
                    })?;
                    let group = src.meta.row_group(src.group);
                    if usize::try_from(group.num_rows()).ok() != Some(self.rows) {
                        return Err(ParquetError::General(format!(
                            "{} rows in the row group, {} in the input's",
                            self.rows,
                            group.num_rows()
                        )));
                    }
                    let chunk = group.column(leaf).clone();
                    let close = ColumnCloseResult {
                        bytes_written: u64::try_from(chunk.compressed_size()).unwrap_or(0),
                        rows_written: self.rows as u64,
                        metadata: chunk,
                        bloom_filter: None,
                        column_index: page_index(src.meta.column_index(), src.group, leaf)
                            .filter(|c| !matches!(c, ColumnIndexMetaData::NONE)),
                        offset_index: page_index(src.meta.offset_index(), src.group, leaf),
                    };
                    rg.append_column(&src.file, close)?;
                }
                Column::Arrow(w) => w.close()?.append_to_row_group(&mut rg)?,
                Column::Dictionary(d) => {
                    let (bytes, close) = d.close(&self.props)?;
                    rg.append_column(&bytes, close)?;
                }
            }
        }
        rg.close()?;
        self.rows = 0;
        if let Some(src) = self.source.as_mut() {
            src.group += 1;
        }
        Ok(())
    }

    /// Writes what is left and the file's footer.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.flush()?;
        if let Some(src) = &self.source {
            let left = (src.group..src.meta.num_row_groups())
                .map(|g| src.meta.row_group(g).num_rows())
                .sum::<i64>();
            if left > 0 {
                return Err(ParquetError::General(format!(
                    "{left} rows of the file whose columns are copied were not written"
                )));
            }
        }
        self.writer.finish()?;
        Ok(())
    }

    /// The sink written to.
    pub(crate) fn inner(&self) -> &W {
        self.writer.inner()
    }
}

/// A column chunk's entry in a file's column or offset index.
fn page_index<T: Clone>(index: Option<&Vec<Vec<T>>>, group: usize, column: usize) -> Option<T> {
    index?.get(group)?.get(column).cloned()
}

/// A null row's index.
const NULL: u32 = u32::MAX;
/// A key of the batch's dictionary not met yet.
const UNSEEN: u32 = u32::MAX - 1;

/// A dictionary column of the row group being written.
struct DictionaryColumn {
    descr: ColumnDescPtr,
    stats: bool,
    /// Each distinct value's index in the row group's dictionary.
    index: Map<Box<[u8]>, u32>,
    /// The dictionary page: each value as a 4-byte length and its bytes.
    page: Vec<u8>,
    min: Option<Box<[u8]>>,
    max: Option<Box<[u8]>>,
    /// Per row not yet in a data page, its value's index, or [`NULL`].
    keys: Vec<u32>,
    /// Rows per data page.
    per_page: usize,
    /// The data pages encoded so far, and their rows. Each page says its
    /// own bit width: the dictionary's size when it was encoded.
    pages: Vec<(Vec<u8>, usize)>,
    nulls: u64,
    /// Per key of the batch's dictionary, its value's index once met.
    remap: Vec<u32>,
}

impl DictionaryColumn {
    fn new(descr: ColumnDescPtr, stats: bool, per_page: usize) -> DictionaryColumn {
        DictionaryColumn {
            descr,
            stats,
            index: Map::default(),
            page: Vec::new(),
            min: None,
            max: None,
            keys: Vec::new(),
            per_page: per_page.max(1),
            pages: Vec::new(),
            nulls: 0,
            remap: Vec::new(),
        }
    }

    /// Encodes the rows waiting into a data page.
    fn page_out(&mut self) {
        if self.keys.is_empty() {
            return;
        }
        let width = bit_width(self.index.len().saturating_sub(1));
        self.pages
            .push((data_page(&self.keys, width), self.keys.len()));
        self.keys.clear();
    }

    fn intern(&mut self, v: &[u8]) -> Result<u32> {
        if let Some(&i) = self.index.get(v) {
            return Ok(i);
        }
        let i = u32::try_from(self.index.len())
            .ok()
            .filter(|&i| i < UNSEEN)
            .ok_or_else(|| ParquetError::General("too many distinct values".into()))?;
        let len = u32::try_from(v.len())
            .map_err(|_| ParquetError::General("a value over 4 GB".into()))?;
        self.page.extend_from_slice(&len.to_le_bytes());
        self.page.extend_from_slice(v);
        if self.stats {
            if self.min.as_deref().is_none_or(|m| v < m) {
                self.min = Some(v.into());
            }
            if self.max.as_deref().is_none_or(|m| v > m) {
                self.max = Some(v.into());
            }
        }
        self.index.insert(v.into(), i);
        Ok(i)
    }

    /// Adds the rows of a dictionary array of text.
    fn add(&mut self, array: &dyn Array) -> Result<()> {
        let dict = array
            .as_dictionary_opt::<UInt32Type>()
            .ok_or_else(|| ParquetError::General("not a dictionary of text".into()))?;
        let values = dict
            .values()
            .as_string_opt::<i32>()
            .ok_or_else(|| ParquetError::General("not a dictionary of text".into()))?;
        self.remap.clear();
        self.remap.resize(values.len(), UNSEEN);
        self.keys.reserve(dict.len());
        let keys = dict.keys();
        for (row, &k) in keys.values().iter().enumerate() {
            let k = k as usize;
            let mapped = match self.remap.get(k) {
                _ if keys.is_null(row) => NULL,
                Some(&UNSEEN) => {
                    let i = if values.is_null(k) {
                        NULL
                    } else {
                        self.intern(values.value(k).as_bytes())?
                    };
                    if let Some(slot) = self.remap.get_mut(k) {
                        *slot = i;
                    }
                    i
                }
                Some(&i) => i,
                None => return Err(ParquetError::General(format!("key {k} out of range"))),
            };
            if mapped == NULL {
                self.nulls += 1;
            }
            self.keys.push(mapped);
            if self.keys.len() >= self.per_page {
                self.page_out();
            }
        }
        Ok(())
    }

    /// The column chunk: its bytes and what closing a column writer gives.
    fn close(mut self, props: &WriterProperties) -> Result<(Bytes, ColumnCloseResult)> {
        if props.compression(self.descr.path()) != Compression::UNCOMPRESSED {
            return Err(ParquetError::General(
                "dictionary columns are written uncompressed".into(),
            ));
        }
        self.page_out();
        let rows: usize = self.pages.iter().map(|(_, n)| n).sum();
        let distinct = self.index.len();
        let mut sink = TrackedWrite::new(Vec::new());
        let mut pages = SerializedPageWriter::new(&mut sink);
        let dict_page_len = self.page.len();
        let dict = pages.write_page(CompressedPage::new(
            Page::DictionaryPage {
                buf: Bytes::from(self.page),
                num_values: u32::try_from(distinct).unwrap_or(u32::MAX),
                encoding: props.dictionary_page_encoding(),
                is_sorted: false,
            },
            dict_page_len,
        ))?;
        // Where each data page is: the offset index, which readers use to
        // skip pages (and which the file's writer needs of every column
        // once any column has one).
        let mut locations = Vec::new();
        let mut first_row = 0;
        for (buf, n) in std::mem::take(&mut self.pages) {
            let len = buf.len();
            let spec = pages.write_page(CompressedPage::new(
                Page::DataPage {
                    buf: Bytes::from(buf),
                    num_values: u32::try_from(n).unwrap_or(u32::MAX),
                    encoding: props.dictionary_data_page_encoding(),
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                },
                len,
            ))?;
            locations.push(PageLocation {
                offset: i64::try_from(spec.offset).unwrap_or(i64::MAX),
                compressed_page_size: i32::try_from(spec.bytes_written).unwrap_or(i32::MAX),
                first_row_index: i64::try_from(first_row).unwrap_or(i64::MAX),
            });
            first_row += n;
        }
        pages.close()?;
        let bytes = Bytes::from(sink.into_inner()?);
        let total = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let mut meta = ColumnChunkMetaData::builder(self.descr)
            .set_compression(Compression::UNCOMPRESSED)
            .set_encodings(vec![
                props.dictionary_page_encoding(),
                Encoding::RLE,
                props.dictionary_data_page_encoding(),
            ])
            .set_num_values(i64::try_from(rows).unwrap_or(i64::MAX))
            .set_total_compressed_size(total)
            .set_total_uncompressed_size(total)
            .set_dictionary_page_offset(Some(0))
            .set_data_page_offset(i64::try_from(dict.bytes_written).unwrap_or(0));
        if self.stats {
            meta = meta.set_statistics(Statistics::byte_array(
                self.min.map(|m| ByteArray::from(m.into_vec())),
                self.max.map(|m| ByteArray::from(m.into_vec())),
                None,
                Some(self.nulls),
                false,
            ));
        }
        let close = ColumnCloseResult {
            bytes_written: bytes.len() as u64,
            rows_written: rows as u64,
            metadata: meta.build()?,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(OffsetIndexMetaData {
                page_locations: locations,
                unencoded_byte_array_data_bytes: None,
            }),
        };
        Ok((bytes, close))
    }
}

/// A data page (format v1) of an optional column: its definition levels
/// (length-prefixed), then the bit width and the non-null rows' indexes,
/// each in the RLE / bit-packed hybrid encoding.
fn data_page(keys: &[u32], width: u8) -> Vec<u8> {
    let levels: Vec<u32> = keys.iter().map(|&k| u32::from(k != NULL)).collect();
    let mut def = Vec::new();
    hybrid(&levels, 1, &mut def);
    let indexes: Vec<u32> = keys.iter().copied().filter(|&k| k != NULL).collect();
    let mut out = Vec::with_capacity(def.len() + 5 + indexes.len() * usize::from(width) / 8 + 8);
    out.extend_from_slice(&u32::try_from(def.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&def);
    out.push(width);
    hybrid(&indexes, width, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, DictionaryArray, StringArray, UInt32Array};
    use arrow::datatypes::{Field, Schema};
    use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    use parquet::arrow::arrow_writer::ArrowWriter;
    use parquet::file::metadata::PageIndexPolicy;
    use proptest::prelude::*;

    use super::*;

    /// A schema of a plain text column and a dictionary column.
    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new(
                "answer",
                DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8)),
                true,
            ),
        ]))
    }

    /// Batches of `keys` (None: a null key) into `dict`, where a dictionary
    /// value may itself be null.
    fn batches(dict: &[Option<String>], keys: &[Vec<Option<u32>>]) -> Vec<RecordBatch> {
        let values: ArrayRef = Arc::new(StringArray::from(dict.to_vec()));
        let mut n = 0;
        keys.iter()
            .map(|k| {
                let ids: Vec<String> = k
                    .iter()
                    .map(|_| {
                        n += 1;
                        format!("order-{n}")
                    })
                    .collect();
                let answer = DictionaryArray::<UInt32Type>::try_new(
                    UInt32Array::from(k.clone()),
                    values.clone(),
                )
                .expect("dictionary");
                RecordBatch::try_new(
                    schema(),
                    vec![Arc::new(StringArray::from(ids)), Arc::new(answer)],
                )
                .expect("batch")
            })
            .collect()
    }

    /// Every row read back, as text, with the page indexes read (and so
    /// checked) too.
    fn read(bytes: Vec<u8>) -> Vec<(Option<String>, Option<String>)> {
        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required);
        let reader =
            ParquetRecordBatchReaderBuilder::try_new_with_options(Bytes::from(bytes), options)
                .expect("a Parquet file")
                .build()
                .expect("reader");
        let mut rows = Vec::new();
        for b in reader {
            let b = b.expect("batch");
            let text = |i: usize| {
                let a = arrow::compute::cast(b.column(i), &DataType::Utf8).expect("text");
                let a = a.as_string::<i32>().clone();
                (0..a.len())
                    .map(|r| a.is_valid(r).then(|| a.value(r).to_string()))
                    .collect::<Vec<_>>()
            };
            rows.extend(text(0).into_iter().zip(text(1)));
        }
        rows
    }

    fn props(rows_per_group: usize) -> WriterProperties {
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(rows_per_group))
            .set_data_page_row_count_limit(7)
            .build()
    }

    /// The file [`ParquetSink`] writes reads back as the file Arrow's own
    /// writer writes: the same rows, the same values, the same nulls.
    fn same_as_arrow(dict: &[Option<String>], keys: &[Vec<Option<u32>>], rows_per_group: usize) {
        let bs = batches(dict, keys);
        let mut ours =
            ParquetSink::try_new(Vec::new(), schema(), props(rows_per_group)).expect("writer");
        for b in &bs {
            ours.write(b).expect("write");
        }
        ours.finish().expect("finish");
        let ours = ours.inner().clone();
        let mut theirs = ArrowWriter::try_new(Vec::new(), schema(), Some(props(rows_per_group)))
            .expect("writer");
        for b in &bs {
            theirs.write(b).expect("write");
        }
        let theirs = theirs.into_inner().expect("finish");
        assert_eq!(read(ours), read(theirs));
    }

    #[test]
    fn dictionary_columns_read_back_as_arrow_writes_them() {
        let dict: Vec<Option<String>> = vec![
            Some("required".into()),
            None,
            Some("x".repeat(3000)),
            Some("not_required".into()),
            Some(String::new()),
        ];
        let keys = vec![
            vec![Some(0), Some(0), Some(1), None, Some(2), Some(3), Some(4)],
            (0..40).map(|i| Some(i % 5)).collect(),
            vec![Some(3); 30],
            vec![None; 9],
        ];
        // One row group, and row groups that split batches.
        same_as_arrow(&dict, &keys, 1 << 20);
        same_as_arrow(&dict, &keys, 11);
    }

    /// A file of `rows` ids in row groups of `group` rows, with or without
    /// its offset index.
    fn ids_file(dir: &std::path::Path, rows: usize, group: usize, index: bool) -> std::fs::File {
        let path = dir.join(format!("ids-{rows}-{group}-{index}.parquet"));
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Utf8, true)]));
        let mut props = WriterProperties::builder().set_max_row_group_row_count(Some(group));
        if !index {
            props = props
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .set_offset_index_disabled(true);
        }
        let mut w = ArrowWriter::try_new(
            std::fs::File::create(&path).expect("file"),
            schema.clone(),
            Some(props.build()),
        )
        .expect("writer");
        let ids: ArrayRef = Arc::new(StringArray::from(
            (0..rows).map(|i| format!("order-{i}")).collect::<Vec<_>>(),
        ));
        w.write(&RecordBatch::try_new(schema, vec![ids]).expect("batch"))
            .expect("write");
        w.close().expect("close");
        std::fs::File::open(&path).expect("file")
    }

    /// Columns are copied from a file of the same leading columns, in row
    /// groups no larger than the output's, with an offset index; otherwise
    /// none is.
    #[test]
    fn columns_are_copied_only_from_a_file_that_fits() {
        let dir = tempfile::tempdir().expect("dir");
        let copied = |file, rows_per_group| {
            let mut sink =
                ParquetSink::try_new(Vec::new(), schema(), props(rows_per_group)).expect("writer");
            sink.copy_columns_from(file).expect("copy")
        };
        assert_eq!(copied(ids_file(dir.path(), 50, 20, true), 20), vec![0]);
        assert_eq!(
            copied(ids_file(dir.path(), 50, 20, true), 19),
            Vec::<usize>::new()
        );
        assert_eq!(
            copied(ids_file(dir.path(), 50, 20, false), 20),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn a_file_of_no_rows_has_no_row_group() {
        let mut ours = ParquetSink::try_new(Vec::new(), schema(), props(10)).expect("writer");
        ours.finish().expect("finish");
        let file = ours.inner().clone();
        assert!(read(file).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any keys (nulls among them) into a dictionary of up to 300
        /// values: the bit widths of 1 to 9 bits, runs and bit-packed
        /// groups, pages of 7 rows.
        #[test]
        fn any_rows_read_back_as_written(
            size in 1usize..300,
            keys in prop::collection::vec(prop::collection::vec(prop::option::weighted(0.9, 0u32..300), 0..60), 1..5),
            rows_per_group in 1usize..100,
        ) {
            let dict: Vec<Option<String>> = (0..size)
                .map(|i| (i % 17 != 5).then(|| format!("answer {i}")))
                .collect();
            let keys: Vec<Vec<Option<u32>>> = keys
                .into_iter()
                .map(|k| k.into_iter().map(|k| k.map(|k| k % size as u32)).collect())
                .collect();
            same_as_arrow(&dict, &keys, rows_per_group);
        }
    }
}
