//! `simcred sandbox`: the loopback sandbox (a demo SimAI realm and API and a Modelon Impact
//! server on 127.0.0.1) until killed.

use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 = any free port)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// Runs `simcred sandbox`; returns only on an error.
pub fn run(SandboxArgs { port }: SandboxArgs) -> Result<i32> {
    let sb = simcred_sandbox::Sandbox::start(simcred_sandbox::SandboxOptions {
        port,
        modelon_keys: vec![],
    })?;
    println!("SIMCRED_SANDBOX_URL={}", sb.url());
    eprintln!(
        "Sandbox running (Ctrl-C stops it).\n  SimAI API:      {}   (user demo@example.com, password demo-password, organization demo-org)\n  Modelon Impact: {}   (make a key at {}admin/server-management)\nTry: simcred profile add demo --service simai --url {} --organization demo-org && simcred login demo",
        sb.simai_api_url(),
        sb.modelon_url(),
        sb.modelon_url(),
        sb.simai_api_url()
    );
    loop {
        std::thread::park();
    }
}
