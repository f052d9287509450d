//! Reading QR codes back out of a screenshot, as a phone camera would.

/// Every QR code found in the PNG, decoded.
pub fn decode_png(png: &[u8]) -> Vec<String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG screenshot");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let luma = |x: usize, y: usize| {
        let i = (y * w + x) * channels;
        match channels {
            1 | 2 => buf[i],
            _ => ((u32::from(buf[i]) * 299 + u32::from(buf[i + 1]) * 587 + u32::from(buf[i + 2]) * 114) / 1000) as u8,
        }
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    image
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}
