//! Pipelines: one normalizer's output as the next one's input (FORMAT.md §17.8).

use std::borrow::Cow;

use super::{Normalize, NormalizeError};

/// `first` followed by `second`, described `first|second`. Made by [`Normalize::then`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Then<A, B> {
    first: A,
    second: B,
}

impl<A, B> Then<A, B> {
    pub(super) fn new(first: A, second: B) -> Self {
        Then { first, second }
    }
}

impl<A: Normalize, B: Normalize> Normalize for Then<A, B> {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        self.second.normalize(&self.first.normalize(input)?)
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Owned(format!(
            "{}|{}",
            self.first.description(),
            self.second.description()
        ))
    }
}

/// The steps of a description read by [`from_description`](super::from_description), in order:
/// never empty.
pub(super) struct Pipeline {
    pub(super) first: Box<dyn Normalize>,
    pub(super) rest: Vec<Box<dyn Normalize>>,
}

impl Normalize for Pipeline {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let mut value = self.first.normalize(input)?;
        for step in &self.rest {
            value = step.normalize(&value)?;
        }
        Ok(value)
    }

    fn description(&self) -> Cow<'_, str> {
        let mut description = self.first.description().into_owned();
        for step in &self.rest {
            description.push('|');
            description.push_str(&step.description());
        }
        Cow::Owned(description)
    }
}
