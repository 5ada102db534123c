"""Results and disclosure (检查结果与公示, the "one disclosure" 一公开): entering, review,
disclosure and correction of inspection results (`lifecycle`), their deadlines (`core`),
reads for pages and the CLI (`queries`, `officer`), and the results file (`importer`,
`exporter`)."""
