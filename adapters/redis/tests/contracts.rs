//! The port contracts, run against the Redis adapters on the server named by `EXCHANGE_TEST_REDIS_URL`
//! (default `redis://127.0.0.1:6379`); every test works under a key prefix of its own and removes it after.

use adapter_redis::testing::TestRedis;

mod sessions {
    use super::*;
    adapter_contracts::sessions_suite!(async {
        let redis = TestRedis::start().await;
        redis.scoped(redis.backend().session_store())
    });
}

mod rate_limit {
    use super::*;
    adapter_contracts::rate_limit_suite!(async {
        let redis = TestRedis::start().await;
        redis.scoped(redis.backend().rate_limiter())
    });
}

mod cache {
    use super::*;
    adapter_contracts::cache_suite!(async {
        let redis = TestRedis::start().await;
        redis.scoped(redis.backend().cache())
    });
}

mod bus {
    use super::*;
    adapter_contracts::bus_suite!(async {
        let redis = TestRedis::start().await;
        let other = redis.another_instance().await;
        (redis.scoped(redis.backend().event_bus()), redis.scoped(other.event_bus()))
    });
}

mod lock {
    use super::*;
    adapter_contracts::lock_suite!(async {
        let redis = TestRedis::start().await;
        redis.scoped(redis.backend().distributed_lock())
    });
}

mod instances {
    use super::*;
    adapter_contracts::instances_suite!(async {
        let redis = TestRedis::start().await;
        redis.scoped(redis.backend().instance_registry())
    });
}

mod control {
    use super::*;
    adapter_contracts::control_suite!(async {
        let redis = TestRedis::start().await;
        redis.scoped(redis.backend().task_control())
    });
}

mod sequence {
    use super::*;
    adapter_contracts::sequence_suite!(async {
        let redis = TestRedis::start().await;
        let other = redis.another_instance().await;
        (redis.scoped(redis.backend().sequence_allocator()), redis.scoped(other.sequence_allocator()))
    });
}

mod presence {
    use super::*;
    adapter_contracts::presence_suite!(async {
        let redis = TestRedis::start().await;
        let other = redis.another_instance().await;
        (redis.scoped(redis.backend().presence_store()), redis.scoped(other.presence_store()))
    });
}
