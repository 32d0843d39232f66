/**
 * The student-trainer module: the training service: continual distillation of a compact student with DJL, and teacher training (issue #4).
 */
package dev.distill.trainer;
