//! Canonical forms of social media post URLs, so that the same post matches however it was
//! copied: scheme and host case, `www.`/`m.`/`mobile.` prefixes, domain aliases (twitter.com and
//! x.com), tracking parameters, fragments and trailing slashes are folded away.

use url::Url;

/// Query parameters that only track the sharer or the click, never identify the post.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "igshid",
    "igsh",
    "mibextid",
    "si",
    "s",
    "t",
    "ref",
    "ref_src",
    "ref_url",
    "src",
    "source",
    "feature",
    "share",
    "share_id",
    "sharer",
    "rdid",
    "app",
    "_rdr",
    "_r",
    "__cft__[0]",
    "__tn__",
    "__xts__[0]",
    "locale",
    "hl",
    "lang",
    "is_from_webapp",
    "sender_device",
    "web_id",
    "tt_from",
    "u_code",
    "timestamp",
    "user_id",
    "s_data",
    "utm_id",
];

/// Parameters that do identify a post on some platforms, and are kept.
fn keeps_param(host: &str, name: &str) -> bool {
    match host {
        "facebook.com" => matches!(name, "story_fbid" | "id" | "fbid" | "v" | "set" | "multi_permalinks"),
        "youtube.com" => matches!(name, "v"),
        _ => !(name.starts_with("utm_") || TRACKING_PARAMS.contains(&name)),
    }
}

/// The platform a URL belongs to, by its host ("x", "facebook", "instagram", …), if known.
pub fn platform_of(url: &str) -> Option<&'static str> {
    let parsed = Url::parse(url.trim()).ok()?;
    let host = fold_host(parsed.host_str()?);
    platform_for_host(&host)
}

fn platform_for_host(host: &str) -> Option<&'static str> {
    Some(match host {
        "x.com" => "x",
        "facebook.com" => "facebook",
        "instagram.com" => "instagram",
        "tiktok.com" => "tiktok",
        "linkedin.com" => "linkedin",
        "youtube.com" => "youtube",
        "threads.net" => "threads",
        "bsky.app" => "bluesky",
        "reddit.com" => "reddit",
        "nextdoor.co.uk" | "nextdoor.com" => "nextdoor",
        "whatsapp.com" => "whatsapp",
        _ => return None,
    })
}

fn fold_host(host: &str) -> String {
    let mut h = host.to_ascii_lowercase();
    for prefix in ["www.", "m.", "mobile.", "mbasic.", "web.", "touch.", "old.", "vm.", "vt."] {
        if let Some(rest) = h.strip_prefix(prefix) {
            h = rest.to_string();
        }
    }
    match h.as_str() {
        "twitter.com" | "fxtwitter.com" | "vxtwitter.com" | "fixupx.com" => "x.com".into(),
        "fb.com" | "fb.watch" => "facebook.com".into(),
        "instagr.am" => "instagram.com".into(),
        "youtu.be" => "youtube.com".into(),
        "old.reddit.com" => "reddit.com".into(),
        _ => h,
    }
}

/// The canonical form of a URL, or `None` if it is not an http(s) URL.
pub fn canonicalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let parsed = Url::parse(&with_scheme).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let original_host = parsed.host_str()?.to_ascii_lowercase();
    let host = fold_host(&original_host);
    if !host.contains('.') {
        return None;
    }
    let segments: Vec<String> =
        parsed.path_segments().map(|s| s.filter(|p| !p.is_empty()).map(str::to_string).collect()).unwrap_or_default();
    let mut params: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| keeps_param(&host, &k.to_ascii_lowercase()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();

    let path = match (host.as_str(), segments.as_slice()) {
        // A post's id identifies it whatever the handle in the path (or its case).
        ("x.com", [_, status, id, ..]) if status == "status" || status == "statuses" => format!("/i/status/{id}"),
        ("x.com", [i, web, status, id, ..]) if i == "i" && web == "web" && status == "status" => {
            format!("/i/status/{id}")
        }
        ("x.com", [handle]) => format!("/{}", handle.to_ascii_lowercase()),
        ("youtube.com", [shorts, id]) if shorts == "shorts" => {
            params = vec![("v".into(), id.clone())];
            "/watch".into()
        }
        ("youtube.com", [id]) if original_host.ends_with("youtu.be") => {
            params = vec![("v".into(), id.clone())];
            "/watch".into()
        }
        ("instagram.com", [kind, code, ..]) if kind == "p" || kind == "reel" || kind == "tv" => format!("/p/{code}"),
        ("tiktok.com", [user, video, id, ..]) if video == "video" => {
            format!("/{}/video/{id}", user.to_ascii_lowercase())
        }
        _ => {
            if segments.is_empty() {
                String::new()
            } else {
                format!("/{}", segments.join("/"))
            }
        }
    };
    params.sort();
    let query = if params.is_empty() {
        String::new()
    } else {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            ser.append_pair(k, v);
        }
        format!("?{}", ser.finish())
    };
    Some(format!("https://{host}{path}{query}"))
}

/// The canonical profile URL a post URL sits under (`https://x.com/name/status/1` ->
/// `https://x.com/name`), for matching a post to a registered account; `None` when the path has
/// no first segment.
pub fn profile_of(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("https://{raw}") };
    let parsed = Url::parse(&with_scheme).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    let first = parsed.path_segments()?.find(|p| !p.is_empty())?.to_string();
    canonicalize(&format!("https://{host}/{first}"))
}

#[cfg(test)]
mod tests {
    use super::{canonicalize, profile_of};

    #[test]
    fn a_post_sits_under_its_profile() {
        assert_eq!(profile_of("https://twitter.com/CllrX/status/1?s=20").as_deref(), Some("https://x.com/cllrx"));
        assert_eq!(profile_of("https://x.com/CllrX").as_deref(), canonicalize("https://x.com/cllrx").as_deref());
        assert_eq!(profile_of("https://x.com/"), None);
    }

    #[test]
    fn x_and_twitter_variants_fold_to_one_post() {
        let want = Some("https://x.com/i/status/1790000000000000001".to_string());
        for u in [
            "https://twitter.com/CllrC/status/1790000000000000001",
            "https://x.com/cllrc/status/1790000000000000001?s=20&t=abcDEF",
            "http://mobile.twitter.com/CllrC/status/1790000000000000001/photo/1",
            "x.com/CllrC/status/1790000000000000001#reply",
        ] {
            assert_eq!(canonicalize(u), want, "{u}");
        }
    }

    #[test]
    fn facebook_keeps_the_post_identifiers_and_drops_tracking() {
        assert_eq!(
            canonicalize("https://m.facebook.com/story.php?story_fbid=123&id=456&fbclid=IwAR0&mibextid=xyz"),
            Some("https://facebook.com/story.php?id=456&story_fbid=123".into())
        );
        assert_eq!(
            canonicalize("https://www.facebook.com/CllrArcherNorthfield/posts/pfbid02abc/?__cft__[0]=AZ&__tn__=R"),
            Some("https://facebook.com/CllrArcherNorthfield/posts/pfbid02abc".into())
        );
    }

    #[test]
    fn other_platforms() {
        assert_eq!(
            canonicalize("https://www.instagram.com/reel/C8abcDEF/?igsh=MWQ1"),
            Some("https://instagram.com/p/C8abcDEF".into())
        );
        assert_eq!(
            canonicalize("https://youtu.be/dQw4w9WgXcQ?si=xyz"),
            Some("https://youtube.com/watch?v=dQw4w9WgXcQ".into())
        );
        assert_eq!(
            canonicalize(
                "https://www.tiktok.com/@Mayor_Of_Easton/video/7300000000000000000?is_from_webapp=1&sender_device=pc"
            ),
            Some("https://tiktok.com/@mayor_of_easton/video/7300000000000000000".into())
        );
        assert_eq!(
            canonicalize("https://example.org/page/?utm_source=x&a=1"),
            Some("https://example.org/page?a=1".into())
        );
        assert_eq!(canonicalize("ftp://example.org/x"), None);
        assert_eq!(canonicalize("not a url"), None);
    }
}
