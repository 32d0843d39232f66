/**
 * Result reports of the demo and the experiments: a title, a table, a chart of (x, y) series
 * and the files that go with them, written as one folder (a PNG chart, a JSON file with every
 * figure, a Markdown table, the files). A report holds only figures computed in the run that
 * writes it.
 */
package dev.distill.cli.report;
