//! tokensim: how likely you are to run out on each plan, and what one usable
//! deliverable really costs, for the way you actually work.

pub mod catalog;
pub mod cli;
pub mod demand;
pub mod error;
pub mod input;
pub mod ledger;
pub mod report;
pub mod scenario;
pub mod simulation;
pub mod statistics;
