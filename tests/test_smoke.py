from tests import dists


def test_upload_then_simple_page_lists_the_file(client, upload):
    data = dists.wheel_bytes("demo-pkg", "1.0", requires_python=">=3.8")
    response = upload(dists.wheel_filename("demo-pkg", "1.0"), data)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = client.get("/simple/demo-pkg/", headers={"Authorization": ""})
    assert page.status_code in (401,)
