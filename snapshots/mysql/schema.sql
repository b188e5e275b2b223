-- The schema the 14 migrations make on MariaDB 10.11 (SHOW CREATE TABLE),
-- written by migration/tests/it/mysql.rs; CONFORMANCE_SNAPSHOTS=accept rewrites it.

CREATE TABLE `access_requests` (
  `id` varchar(255) NOT NULL,
  `username` varchar(255) NOT NULL,
  `user_id` varchar(255) NOT NULL,
  `reviewer` varchar(255) DEFAULT NULL,
  `status` varchar(255) NOT NULL DEFAULT 'pending',
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_access_requests_user_id` (`user_id`),
  KEY `idx_access_requests_status` (`status`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `api_model_aliases` (
  `id` varchar(255) NOT NULL,
  `api_format` varchar(255) NOT NULL,
  `base_url` varchar(255) NOT NULL,
  `models` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL CHECK (json_valid(`models`)),
  `prefix` varchar(255) DEFAULT NULL,
  `forward_all_with_prefix` tinyint(1) NOT NULL DEFAULT 0,
  `models_cache` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '[]' CHECK (json_valid(`models_cache`)),
  `cache_fetched_at` timestamp NOT NULL,
  `encrypted_api_key` varchar(255) DEFAULT NULL,
  `salt` varchar(255) DEFAULT NULL,
  `nonce` varchar(255) DEFAULT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  `prefix_unique` varchar(255) GENERATED ALWAYS AS (nullif(`prefix`,'')) STORED,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_api_model_aliases_prefix_unique` (`prefix_unique`),
  KEY `idx_api_model_aliases_api_format` (`api_format`),
  KEY `idx_api_model_aliases_updated_at` (`updated_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `api_tokens` (
  `id` varchar(255) NOT NULL,
  `user_id` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL DEFAULT '',
  `token_prefix` varchar(255) NOT NULL,
  `token_hash` varchar(255) NOT NULL,
  `scopes` varchar(255) NOT NULL,
  `status` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `token_prefix` (`token_prefix`),
  KEY `idx_api_tokens_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `apps` (
  `client_id` varchar(255) NOT NULL,
  `encrypted_client_secret` varchar(255) NOT NULL,
  `salt_client_secret` varchar(255) NOT NULL,
  `nonce_client_secret` varchar(255) NOT NULL,
  `app_status` varchar(255) NOT NULL DEFAULT 'setup',
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`client_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `app_access_requests` (
  `id` varchar(255) NOT NULL,
  `app_client_id` varchar(255) NOT NULL,
  `app_name` varchar(255) DEFAULT NULL,
  `app_description` varchar(255) DEFAULT NULL,
  `flow_type` varchar(255) NOT NULL,
  `redirect_uri` varchar(255) DEFAULT NULL,
  `status` varchar(255) NOT NULL DEFAULT 'draft',
  `requested` varchar(255) NOT NULL,
  `approved` varchar(255) DEFAULT NULL,
  `user_id` varchar(255) DEFAULT NULL,
  `requested_role` varchar(255) NOT NULL,
  `approved_role` varchar(255) DEFAULT NULL,
  `access_request_scope` varchar(255) DEFAULT NULL,
  `error_message` varchar(255) DEFAULT NULL,
  `expires_at` timestamp NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_app_access_requests_scope_unique` (`access_request_scope`),
  KEY `idx_app_access_requests_status` (`status`),
  KEY `idx_app_access_requests_app_client_id` (`app_client_id`),
  KEY `idx_app_access_requests_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `app_toolset_configs` (
  `id` varchar(255) NOT NULL,
  `toolset_type` varchar(255) NOT NULL,
  `enabled` tinyint(1) NOT NULL DEFAULT 0,
  `updated_by` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `toolset_type` (`toolset_type`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `download_requests` (
  `id` varchar(255) NOT NULL,
  `repo` varchar(255) NOT NULL,
  `filename` varchar(255) NOT NULL,
  `status` varchar(255) NOT NULL,
  `error` varchar(255) DEFAULT NULL,
  `total_bytes` bigint(20) DEFAULT NULL,
  `downloaded_bytes` bigint(20) NOT NULL DEFAULT 0,
  `started_at` timestamp NULL DEFAULT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_download_requests_status` (`status`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `mcps` (
  `id` varchar(255) NOT NULL,
  `created_by` varchar(255) NOT NULL,
  `mcp_server_id` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL,
  `slug` varchar(255) NOT NULL,
  `description` varchar(255) DEFAULT NULL,
  `enabled` tinyint(1) NOT NULL DEFAULT 1,
  `tools_cache` varchar(255) DEFAULT NULL,
  `tools_filter` varchar(255) DEFAULT NULL,
  `auth_type` varchar(255) NOT NULL DEFAULT 'public',
  `auth_uuid` varchar(255) DEFAULT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_mcps_created_by_slug` (`created_by`,`slug`),
  KEY `idx_mcps_mcp_server_id` (`mcp_server_id`),
  CONSTRAINT `fk_mcps_mcp_server_id` FOREIGN KEY (`mcp_server_id`) REFERENCES `mcp_servers` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `mcp_auth_headers` (
  `id` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL DEFAULT 'Header',
  `mcp_server_id` varchar(255) NOT NULL,
  `header_key` varchar(255) NOT NULL,
  `encrypted_header_value` varchar(255) NOT NULL,
  `header_value_salt` varchar(255) NOT NULL,
  `header_value_nonce` varchar(255) NOT NULL,
  `created_by` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_mcp_auth_headers_server_name` (`mcp_server_id`,`name`),
  CONSTRAINT `fk_mcp_auth_headers_mcp_server_id` FOREIGN KEY (`mcp_server_id`) REFERENCES `mcp_servers` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `mcp_oauth_configs` (
  `id` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL DEFAULT 'OAuth',
  `mcp_server_id` varchar(255) NOT NULL,
  `registration_type` varchar(255) NOT NULL DEFAULT 'pre_registered',
  `client_id` varchar(255) NOT NULL,
  `encrypted_client_secret` varchar(255) DEFAULT NULL,
  `client_secret_salt` varchar(255) DEFAULT NULL,
  `client_secret_nonce` varchar(255) DEFAULT NULL,
  `authorization_endpoint` varchar(255) NOT NULL,
  `token_endpoint` varchar(255) NOT NULL,
  `registration_endpoint` varchar(255) DEFAULT NULL,
  `encrypted_registration_access_token` varchar(255) DEFAULT NULL,
  `registration_access_token_salt` varchar(255) DEFAULT NULL,
  `registration_access_token_nonce` varchar(255) DEFAULT NULL,
  `client_id_issued_at` timestamp NULL DEFAULT NULL,
  `token_endpoint_auth_method` varchar(255) DEFAULT NULL,
  `scopes` varchar(255) DEFAULT NULL,
  `created_by` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_mcp_oauth_configs_server_name` (`mcp_server_id`,`name`),
  CONSTRAINT `fk_mcp_oauth_configs_mcp_server_id` FOREIGN KEY (`mcp_server_id`) REFERENCES `mcp_servers` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `mcp_oauth_tokens` (
  `id` varchar(255) NOT NULL,
  `mcp_oauth_config_id` varchar(255) NOT NULL,
  `encrypted_access_token` varchar(255) NOT NULL,
  `access_token_salt` varchar(255) NOT NULL,
  `access_token_nonce` varchar(255) NOT NULL,
  `encrypted_refresh_token` varchar(255) DEFAULT NULL,
  `refresh_token_salt` varchar(255) DEFAULT NULL,
  `refresh_token_nonce` varchar(255) DEFAULT NULL,
  `scopes_granted` varchar(255) DEFAULT NULL,
  `expires_at` timestamp NULL DEFAULT NULL,
  `created_by` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_mcp_oauth_tokens_mcp_oauth_config_id` (`mcp_oauth_config_id`),
  CONSTRAINT `fk_mcp_oauth_tokens_mcp_oauth_config_id` FOREIGN KEY (`mcp_oauth_config_id`) REFERENCES `mcp_oauth_configs` (`id`) ON DELETE CASCADE ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `mcp_servers` (
  `id` varchar(255) NOT NULL,
  `url` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL DEFAULT '',
  `description` varchar(255) DEFAULT NULL,
  `enabled` tinyint(1) NOT NULL DEFAULT 0,
  `created_by` varchar(255) NOT NULL,
  `updated_by` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `url` (`url`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `model_metadata` (
  `id` varchar(255) NOT NULL,
  `source` varchar(255) NOT NULL,
  `repo` varchar(255) DEFAULT NULL,
  `filename` varchar(255) DEFAULT NULL,
  `snapshot` varchar(255) DEFAULT NULL,
  `api_model_id` varchar(255) DEFAULT NULL,
  `capabilities` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`capabilities`)),
  `context` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`context`)),
  `architecture` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`architecture`)),
  `additional_metadata` varchar(255) DEFAULT NULL,
  `chat_template` varchar(255) DEFAULT NULL,
  `extracted_at` timestamp NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_model_metadata_unique_key` (`source`,`repo`,`filename`,`snapshot`,`api_model_id`) USING HASH,
  KEY `idx_model_metadata_source` (`source`),
  KEY `idx_model_metadata_repo` (`repo`),
  KEY `idx_model_metadata_api_model_id` (`api_model_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `settings` (
  `key` varchar(255) NOT NULL,
  `value` varchar(255) NOT NULL,
  `value_type` varchar(255) NOT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `toolsets` (
  `id` varchar(255) NOT NULL,
  `user_id` varchar(255) NOT NULL,
  `toolset_type` varchar(255) NOT NULL,
  `slug` varchar(255) NOT NULL,
  `description` varchar(255) DEFAULT NULL,
  `enabled` tinyint(1) NOT NULL DEFAULT 0,
  `encrypted_api_key` varchar(255) DEFAULT NULL,
  `salt` varchar(255) DEFAULT NULL,
  `nonce` varchar(255) DEFAULT NULL,
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_toolsets_user_id_slug` (`user_id`,`slug`),
  KEY `idx_toolsets_toolset_type` (`toolset_type`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `user_aliases` (
  `id` varchar(255) NOT NULL,
  `alias` varchar(255) NOT NULL,
  `repo` varchar(255) NOT NULL,
  `filename` varchar(255) NOT NULL,
  `snapshot` varchar(255) NOT NULL,
  `request_params` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL CHECK (json_valid(`request_params`)),
  `context_params` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL CHECK (json_valid(`context_params`)),
  `created_at` timestamp NOT NULL,
  `updated_at` timestamp NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `alias` (`alias`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
