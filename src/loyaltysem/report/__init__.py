"""Reports: tables as data, APA formatting, diagrams, figures, documents and methods text."""
