/**
 * The distillation loss of Hinton, Vinyals and Dean (2015) on a minibatch whose records each carry
 * their own temperature and an optional hard label: {@code alpha * T^2 * CE(q_T, softmax(s/T)) +
 * (1 - alpha) * CE(y, softmax(s))}, the hard term only where a label exists. Written with DJL array
 * operations so autograd differentiates it.
 */
package dev.distill.trainer.loss;
