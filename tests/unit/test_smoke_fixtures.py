from sqlalchemy import inspect


def test_migrated_database_has_registry_tables(engine):
    names = set(inspect(engine).get_table_names())
    assert {"body", "person", "api_token", "topic", "topic_group", "location", "routing_rule",
            "social_account", "alembic_version"} <= names
