//! `boto-fuzz seeds DIR`: writes every target's seeds into `DIR/<target>/`
//! (the corpus `cargo xtask fuzz` starts libFuzzer from).
//! `boto-fuzz list`: the target names, one per line.
//! `boto-fuzz run TARGET FILE...`: runs files through a target (reproduces
//! a crash libFuzzer saved, on stable).

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, rest)) if cmd == "seeds" && rest.len() == 1 => {
            let dir = PathBuf::from(&rest[0]);
            for target in boto_fuzz::TARGETS {
                let out = dir.join(target.name);
                std::fs::create_dir_all(&out)
                    .unwrap_or_else(|e| panic!("creating {}: {e}", out.display()));
                let seeds = boto_fuzz::seeds::seeds(target.name);
                for (i, seed) in seeds.iter().enumerate() {
                    let path = out.join(format!("seed-{i:05}"));
                    std::fs::write(&path, seed)
                        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
                }
                println!("{}: {} seeds", target.name, seeds.len());
            }
        }
        Some((cmd, [])) if cmd == "list" => {
            for target in boto_fuzz::TARGETS {
                println!("{}", target.name);
            }
        }
        Some((cmd, [target, files @ ..])) if cmd == "run" => {
            for file in files {
                let data = std::fs::read(file).unwrap_or_else(|e| panic!("reading {file}: {e}"));
                boto_fuzz::run(target, &data);
                println!("{file}: ok");
            }
        }
        _ => {
            eprintln!("usage: boto-fuzz seeds DIR | boto-fuzz list | boto-fuzz run TARGET FILE...");
            std::process::exit(2);
        }
    }
}
