//! What the engine and the documented example receive in tests: every task service over in-memory ports.
#![allow(dead_code)] // each test file uses its own part

use adapter_crypto::{Argon2Hasher, HasherOptions};
use adapter_jobs::TaskServices;
use adapter_memory::{
    MemoryAuditLog, MemoryCache, MemoryConversationStore, MemoryDailyStats, MemoryEventBus, MemoryGroupStore,
    MemoryMessageStore, MemoryPresenceStore, MemorySequenceAllocator, MemorySessionStore, MemorySettingsStore,
    MemoryUserRepository,
};
use application::admin::AdminService;
use application::chat::{ChatOptions, ChatPorts, ChatService};
use application::conversations::ConversationService;
use application::groups::GroupService;
use application::maintenance::MaintenanceService;
use application::settings::SettingsService;
use domain::clock::{Clock, SystemClock};
use domain::settings::Settings;
use std::sync::Arc;

/// The memory stores behind [`World::services`], for tests that arrange or inspect state directly.
pub struct World {
    pub services: TaskServices,
    pub presence: Arc<MemoryPresenceStore>,
    pub users: Arc<MemoryUserRepository>,
}

/// Every task service over fresh in-memory ports, on the system clock.
pub fn world() -> World {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let users = Arc::new(MemoryUserRepository::default());
    let sessions = Arc::new(MemorySessionStore::default());
    let audit = Arc::new(MemoryAuditLog::default());
    let bus = Arc::new(MemoryEventBus::default());
    let groups = Arc::new(MemoryGroupStore::default());
    let conversations = Arc::new(MemoryConversationStore::default());
    let messages = Arc::new(MemoryMessageStore::default());
    let presence = Arc::new(MemoryPresenceStore::default());
    let settings = Arc::new(SettingsService::new(
        Arc::new(MemorySettingsStore::default()),
        audit.clone(),
        bus.clone(),
        clock.clone(),
        Settings::default(),
    ));
    // The real hasher at the lowest cost argon2 accepts: tasks that reset passwords hash like production.
    let cheap = HasherOptions { memory_kib: 1024, iterations: 1, parallelism: 1, ..HasherOptions::default() };
    let hasher = Arc::new(Argon2Hasher::new(cheap).expect("cheap argon2 options are valid"));
    let admin = Arc::new(AdminService::new(users.clone(), sessions.clone(), hasher, audit.clone(), clock.clone()));
    let maintenance = Arc::new(MaintenanceService::new(
        users.clone(),
        sessions.clone(),
        Arc::new(MemoryDailyStats::default()),
        settings.clone(),
        clock.clone(),
    ));
    let chat = Arc::new(ChatService::new(
        ChatPorts {
            users: users.clone(),
            groups: groups.clone(),
            conversations: conversations.clone(),
            messages: messages.clone(),
            sequences: Arc::new(MemorySequenceAllocator::default()),
            presence: presence.clone(),
            bus: bus.clone(),
            audit: audit.clone(),
            clock: clock.clone(),
            timer: Arc::new(adapter_memory::TokioTimer),
        },
        ChatOptions::default(),
    ));
    let group_service = Arc::new(GroupService::new(
        groups.clone(),
        users.clone(),
        messages.clone(),
        chat.clone(),
        settings.clone(),
        clock.clone(),
    ));
    let conversation_service = Arc::new(ConversationService::new(
        groups,
        conversations,
        messages,
        presence.clone(),
        users.clone(),
        chat.clone(),
        clock.clone(),
    ));
    let services = TaskServices {
        clock,
        users: users.clone(),
        sessions,
        settings,
        admin,
        audit,
        maintenance,
        chat,
        groups: group_service,
        conversations: conversation_service,
        cache: Arc::new(MemoryCache::default()),
        bus,
    };
    World { services, presence, users }
}

/// Every task service over fresh in-memory ports.
pub fn services() -> TaskServices {
    world().services
}
