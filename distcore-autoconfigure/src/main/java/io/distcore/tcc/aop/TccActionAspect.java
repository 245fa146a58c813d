package io.distcore.tcc.aop;

import java.util.function.Supplier;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccBinding.ActiveTransaction;
import io.distcore.tcc.TccBinding.InboundBranch;
import io.distcore.tcc.TccException;
import io.distcore.tcc.participant.TccActionDefinition;
import io.distcore.tcc.participant.TccActionRegistry;
import io.distcore.tcc.participant.TccTryRunner;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;

/**
 * Runs {@link TccAction} methods as the try of a branch. The branch is the inbound one the thread serves (a call
 * from another service's transaction), or else a new branch of the global transaction this process coordinates on
 * the thread, enlisted as {@code local} before the try runs. Outside both the call fails with {@link TccException}:
 * it would reserve resources nobody ever confirms or cancels.
 * <p>
 * An inbound branch takes one action: a second {@link TccAction} in the same inbound call fails with
 * {@link TccException}, since phase two reaches the branch once and could not tell the actions apart.
 */
public final class TccActionAspect extends AbstractPointcutAdvisor {

	/** The inbound branch whose action already ran on this thread; compared by identity, one per inbound call. */
	private static final ThreadLocal<InboundBranch> inboundUsed = new ThreadLocal<>();

	private final transient Pointcut pointcut = new AnnotationMatchingPointcut(null, TccAction.class, true);

	private final transient MethodInterceptor interceptor;

	/**
	 * @param registry the checked actions, looked up at the first call
	 * @param participant runs the try, looked up at the first call
	 * @param order order of the advice
	 */
	public TccActionAspect(Supplier<TccActionRegistry> registry, Supplier<TccTryRunner> participant, int order) {
		this.interceptor = (invocation) -> invoke(invocation, registry.get(), participant.get());
		setOrder(order);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

	private static Object invoke(MethodInvocation invocation, TccActionRegistry registry,
			TccTryRunner participant) throws Throwable {
		Class<?> targetClass = (invocation.getThis() != null) ? AopUtils.getTargetClass(invocation.getThis())
				: invocation.getMethod().getDeclaringClass();
		TccActionDefinition action = registry.forMethod(invocation.getMethod(), targetClass);
		if (action == null) {
			throw new TccException("@TccAction method " + invocation.getMethod() + " was called before the "
					+ "application finished starting (its actions are checked once every singleton exists)");
		}
		InboundBranch inbound = TccBinding.currentInbound();
		String xid;
		String branchId;
		if (inbound != null) {
			if (inboundUsed.get() == inbound) {
				throw new TccException("Action " + action.name() + " called in branch " + inbound.branchId() + " of "
						+ inbound.xid() + ", which already ran an action: an inbound TCC call runs one @TccAction");
			}
			inboundUsed.set(inbound);
			xid = inbound.xid();
			branchId = inbound.branchId();
		}
		else {
			ActiveTransaction transaction = TccBinding.currentTransaction();
			if (transaction == null) {
				throw new TccException("Action " + action.name() + " was called outside a global transaction: call it "
						+ "from a @TccTransaction method, or from a TCC call of another service");
			}
			branchId = transaction.enlist("local", action.name());
			xid = transaction.xid();
		}
		return participant.runTry(action, xid, branchId, invocation.getArguments(), invocation::proceed);
	}

}
