//! One test per normalisation: the text each family prints, and the one form read.

use super::*;

#[test]
fn the_family_is_read_from_the_version() {
    assert_eq!(
        Family::of_version("10.11.19-MariaDB-0+deb12u1"),
        Family::MariaDb
    );
    assert_eq!(Family::of_version("8.0.36"), Family::MySql);
    assert_eq!(Family::of_version("8.4.6-log"), Family::MySql);
}

#[test]
fn the_auto_increment_counter_leaves_the_table_options_only() {
    let ddl = "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
               `c` varchar(9) DEFAULT 'AUTO_INCREMENT=5',\n  PRIMARY KEY (`id`)\n\
               ) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COMMENT='AUTO_INCREMENT=7'";
    assert_eq!(
        strip_auto_increment(ddl),
        "CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  \
         `c` varchar(9) DEFAULT 'AUTO_INCREMENT=5',\n  PRIMARY KEY (`id`)\n\
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='AUTO_INCREMENT=7'"
    );
    // A table whose counter never moved has no option: nothing to strip.
    let plain = "CREATE TABLE `t` (\n  `a` int\n) ENGINE=InnoDB";
    assert_eq!(strip_auto_increment(plain), plain);
    // A name that holds a parenthesis does not end the column list.
    let odd = "CREATE TABLE `a)b` (\n  `x(` int\n) ENGINE=InnoDB AUTO_INCREMENT=3";
    assert_eq!(
        strip_auto_increment(odd),
        "CREATE TABLE `a)b` (\n  `x(` int\n) ENGINE=InnoDB"
    );
}

#[test]
fn the_definer_is_left_out_whatever_its_spelling() {
    assert_eq!(
        strip_definer(
            "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1"
        ),
        "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1"
    );
    assert_eq!(
        strip_definer(
            "CREATE DEFINER=`app`@`%` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"
        ),
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"
    );
    assert_eq!(
        strip_definer("CREATE DEFINER='we''ird'@'10.0.%' PROCEDURE p() SELECT 1"),
        "CREATE PROCEDURE p() SELECT 1"
    );
    assert_eq!(
        strip_definer("CREATE DEFINER=CURRENT_USER() FUNCTION f() RETURNS int RETURN 1"),
        "CREATE FUNCTION f() RETURNS int RETURN 1"
    );
    assert_eq!(
        strip_definer("CREATE DEFINER=root@localhost FUNCTION f() RETURNS int RETURN 1"),
        "CREATE FUNCTION f() RETURNS int RETURN 1"
    );
    // Inside a literal it is data; without the clause nothing changes.
    let body = "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 'DEFINER=`x`@`y` '";
    assert_eq!(strip_definer(body), body);
}

#[test]
fn the_run_s_database_name_is_left_out() {
    let db = "conformance_12_3";
    assert_eq!(
        strip_database(
            "select `conformance_12_3`.`t`.`a` AS `a` from `conformance_12_3`.`t` \
             join `other`.`u` where `t`.`s` = 'conformance_12_3.x'",
            db
        ),
        "select `t`.`a` AS `a` from `t` join `other`.`u` where `t`.`s` = 'conformance_12_3.x'"
    );
    // The same name not before a dot is a column or table of that name: kept.
    assert_eq!(
        strip_database("select `conformance_12_3` from t", db),
        "select `conformance_12_3` from t"
    );
}

#[test]
fn expressions_lose_mysql_s_escaping_and_introducers() {
    // MySQL 8 (information_schema): escaped once more, with introducers.
    assert_eq!(
        expression("_utf8mb4\\'it\\\\\\'s\\'", Family::MySql),
        "'it''s'"
    );
    assert_eq!(
        expression("concat(`a`,_utf8mb4\\' x\\')", Family::MySql),
        "concat(`a`,' x')"
    );
    // MariaDB: `\'` inside a literal; the same text out.
    assert_eq!(
        expression("concat(`a`,' x\\'y')", Family::MariaDb),
        "concat(`a`,' x''y')"
    );
    assert_eq!(expression("'it''s'", Family::MariaDb), "'it''s'");
    // A name that starts with `_` before a literal is no introducer only when spaced.
    assert_eq!(expression("`_x` = 'a'", Family::MariaDb), "`_x` = 'a'");
}

#[test]
fn current_timestamp_is_spelled_one_way() {
    assert_eq!(
        expression("current_timestamp()", Family::MariaDb),
        "CURRENT_TIMESTAMP"
    );
    assert_eq!(
        expression("current_timestamp(3)", Family::MariaDb),
        "CURRENT_TIMESTAMP(3)"
    );
    assert_eq!(
        expression("CURRENT_TIMESTAMP", Family::MySql),
        "CURRENT_TIMESTAMP"
    );
    assert_eq!(
        expression("my_current_timestamp()", Family::MariaDb),
        "my_current_timestamp()"
    );
    assert_eq!(
        expression("'current_timestamp()'", Family::MariaDb),
        "'current_timestamp()'"
    );
}

#[test]
fn defaults_read_as_one_expression_from_both_families() {
    use Family::{MariaDb, MySql};
    // A string: MariaDB quotes it, MySQL does not.
    assert_eq!(
        column_default(MariaDb, Some("'pending'"), "", "varchar"),
        Some("'pending'".into())
    );
    assert_eq!(
        column_default(MySql, Some("pending"), "", "varchar"),
        Some("'pending'".into())
    );
    assert_eq!(
        column_default(MySql, Some("it's"), "", "varchar"),
        column_default(MariaDb, Some("'it''s'"), "", "varchar")
    );
    // The empty string, and a string that reads NULL.
    assert_eq!(
        column_default(MySql, Some(""), "", "varchar"),
        Some("''".into())
    );
    assert_eq!(
        column_default(MariaDb, Some("'NULL'"), "", "varchar"),
        Some("'NULL'".into())
    );
    // No default / DEFAULT NULL: MariaDB says `NULL`, MySQL gives SQL NULL.
    assert_eq!(column_default(MariaDb, Some("NULL"), "", "varchar"), None);
    assert_eq!(column_default(MariaDb, None, "", "varchar"), None);
    assert_eq!(column_default(MySql, None, "", "varchar"), None);
    // Numbers as they are.
    assert_eq!(
        column_default(MySql, Some("0"), "", "tinyint"),
        Some("0".into())
    );
    assert_eq!(
        column_default(MariaDb, Some("0"), "", "tinyint"),
        Some("0".into())
    );
    // The current time.
    assert_eq!(
        column_default(MariaDb, Some("current_timestamp()"), "", "timestamp"),
        Some("CURRENT_TIMESTAMP".into())
    );
    assert_eq!(
        column_default(
            MySql,
            Some("CURRENT_TIMESTAMP"),
            "DEFAULT_GENERATED",
            "timestamp"
        ),
        Some("CURRENT_TIMESTAMP".into())
    );
    // An expression default (`DEFAULT ('[]')`).
    assert_eq!(
        column_default(MySql, Some("_utf8mb4\\'[]\\'"), "DEFAULT_GENERATED", "json"),
        column_default(MariaDb, Some("'[]'"), "", "longtext")
    );
}

#[test]
fn integer_display_widths_are_dropped_but_the_boolean_s() {
    assert_eq!(sql_type("int(11)"), "int");
    assert_eq!(sql_type("bigint(20) unsigned"), "bigint unsigned");
    assert_eq!(sql_type("int"), "int");
    assert_eq!(sql_type("tinyint(1)"), "tinyint(1)");
    assert_eq!(sql_type("tinyint(4)"), "tinyint");
    assert_eq!(
        sql_type("int(5) unsigned zerofill"),
        "int(5) unsigned zerofill"
    );
    assert_eq!(sql_type("VARCHAR(255)"), "varchar(255)");
    assert_eq!(sql_type("decimal(10,2)"), "decimal(10,2)");
}

#[test]
fn check_clauses_lose_mysql_s_parentheses() {
    let mariadb = check_clause("`status` in ('pending','done')", Family::MariaDb);
    let mysql = check_clause(
        "(`status` in (_utf8mb4\\'pending\\',_utf8mb4\\'done\\'))",
        Family::MySql,
    );
    assert_eq!(mariadb, "`status` in ('pending','done')");
    assert_eq!(mysql, mariadb);
    // Parentheses that do not wrap the whole clause stay.
    assert_eq!(
        check_clause("(`a` > 0) and (`b` > 0)", Family::MySql),
        "(`a` > 0) and (`b` > 0)"
    );
    assert_eq!(check_clause("((`a` > 0))", Family::MySql), "(`a` > 0)");
}

#[test]
fn mariadb_s_json_check_is_recognised_by_name_and_clause() {
    assert!(is_json_check("config", "config", "json_valid(`config`)"));
    assert!(!is_json_check(
        "config",
        "chk_config",
        "json_valid(`config`)"
    ));
    assert!(!is_json_check("config", "config", "json_valid(`other`)"));
    assert!(is_json_check("we`ird", "we`ird", "json_valid(`we``ird`)"));
}

#[test]
fn unique_constraints_are_the_unique_keys_named_after_their_first_column() {
    let column = |name: &str| IndexKey::Column {
        name: name.into(),
        prefix: None,
        descending: false,
    };
    assert!(is_unique_constraint(
        "token_prefix",
        &[column("token_prefix")]
    ));
    assert!(is_unique_constraint("a_2", &[column("a"), column("b")]));
    assert!(!is_unique_constraint(
        "idx_toolsets_user_id_slug",
        &[column("user_id"), column("slug")]
    ));
    let prefix = IndexKey::Column {
        name: "url".into(),
        prefix: Some(100),
        descending: false,
    };
    assert!(!is_unique_constraint("url", std::slice::from_ref(&prefix)));
    assert_eq!(prefix.text(), "url(100)");
    assert_eq!(prefix.sql(), "`url`(100)");
    let expression = IndexKey::Expression {
        text: "lower(`email`)".into(),
        descending: true,
    };
    assert_eq!(expression.text(), "lower(`email`) DESC");
    assert_eq!(expression.sql(), "(lower(`email`)) DESC");
}

#[test]
fn restrict_and_no_action_are_one_action() {
    assert_eq!(fk_action("RESTRICT"), Ok(FkAction::NoAction));
    assert_eq!(fk_action("NO ACTION"), Ok(FkAction::NoAction));
    assert_eq!(fk_action("CASCADE"), Ok(FkAction::Cascade));
    assert_eq!(fk_action("SET NULL"), Ok(FkAction::SetNull));
    assert!(fk_action("EXPLODE").is_err());
}
