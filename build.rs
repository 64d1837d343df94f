// Rebuild when embedded files change (templates, static assets, seeds, migrations).
fn main() {
    for dir in ["templates", "static/css", "static/js", "static/img", "seeds", "migrations"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
