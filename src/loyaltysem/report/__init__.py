"""Reports: tables as data, APA formatting, diagrams, figures, documents, methods text."""
