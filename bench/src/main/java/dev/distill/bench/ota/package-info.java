/** The size of an over-the-air update between consecutive versions, by each way of sending it. */
package dev.distill.bench.ota;
