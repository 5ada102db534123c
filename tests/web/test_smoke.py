def test_home_page_renders_chinese_by_default(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "双随机" in resp.get_data(as_text=True) or "Fairdraw" in resp.get_data(as_text=True)
