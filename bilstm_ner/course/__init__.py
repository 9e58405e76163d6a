"""The course as a learner installs it: its notebooks, and the `bilstm-ner-course` command."""
