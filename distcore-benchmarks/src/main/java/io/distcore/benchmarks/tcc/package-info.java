/**
 * TCC transactions against the same two services doing the same writes with no transaction protection.
 */
package io.distcore.benchmarks.tcc;
