/**
 * Sample inventory service: stock per SKU, restocked by operators and reserved by the order service's TCC
 * transactions.
 */
package io.distcore.sample.inventory;
